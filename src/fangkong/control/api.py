from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from ninja import Field, File, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from fangkong.core.clock import today
from fangkong.people.selectors import household_get, person_get
from fangkong.people.services import person_find_by_document

from . import selectors, services
from .risk_rows import RiskRow, RowError, short_code

router = Router(tags=["risk areas"])
control_router = Router(tags=["control"])


class RiskAreaOut(Schema):
    id: int
    division_code: str
    region_name: str
    level: str
    zone: str
    starts_on: dt.date
    lifted_on: dt.date | None
    source: str


class RiskAreaIn(Schema):
    division_code: str = ""
    region_name: str = ""
    level: str
    zone: str = ""
    starts_on: dt.date
    lifted_on: dt.date | None = None
    source: str = ""


class RiskLevelOut(Schema):
    level: str | None
    zone: str | None
    records: list[dict]


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[dict]


@router.get("/", response=list[RiskAreaOut])
def risk_area_list(request, on: dt.date | None = None):
    """Risk areas in force on a day (default today)."""
    return list(selectors.risk_areas_in_force(on=on or today()))


@router.get("/level", response=RiskLevelOut)
def risk_level(request, code: str = "", name: str = "", on: dt.date | None = None):
    """What was the level of area X on date D: the highest level in force for the node or an ancestor."""
    if not code and not name:
        raise HttpError(422, "give code or name")
    if code and not code.isdigit():
        raise HttpError(422, "code: a division code has digits only")
    return selectors.risk_level_on(on=on or today(), code=code, name=name).as_dict()


@router.post("/", response={201: RiskAreaOut})
def risk_area_create(request, body: RiskAreaIn):
    from .risk_rows import parse_row

    try:
        row: RiskRow = parse_row(0, {
            "code": short_code(body.division_code), "name": body.region_name, "level": body.level, "zone": body.zone,
            "start_date": body.starts_on.isoformat(), "lift_date": body.lifted_on.isoformat() if body.lifted_on else "",
            "source": body.source,
        })
        return Status(201, services.risk_area_set(user=request.user, row=row))
    except RowError as exc:
        raise HttpError(422, f"{exc.column}: {exc.reason}") from exc
    except services.NotAllowed as exc:
        raise HttpError(403, str(exc)) from exc


@router.post("/import", response=ImportOut)
def risk_area_import(request, file: UploadedFile = File(...)):  # noqa: B008 - ninja's declaration style
    try:
        text = file.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HttpError(422, "file: not UTF-8 text") from exc
    try:
        return services.risk_areas_import(user=request.user, text=text).as_dict()
    except RowError as exc:
        raise HttpError(422, f"{exc.column}: {exc.reason}") from exc
    except services.NotAllowed as exc:
        raise HttpError(403, str(exc)) from exc



class ErrorOut(Schema):
    detail: str
    errors: list[dict] = []


def _invalid(exc: services.InvalidInput):
    return Status(422, {"detail": "invalid input", "errors": [{"field": k, "reason": v} for k, v in exc.errors.items()]})


class ArrivalIn(Schema):
    person_id: int = Field(description="the registered person arriving (register unknown people through /persons first)")
    household_id: int | None = None
    category: str = Field(description="inbound, risk_area_arrival or returnee")
    origin_code: str = ""
    origin_name: str
    arrived_on: dt.date
    route: str = ""
    transport: str = "other"
    transport_number: str = ""
    negative_test_date: dt.date | None = None
    released_from_centralized_isolation: bool = False
    source: str = "manual"


class MeasureOut(Schema):
    measure: str
    starts_on: dt.date
    ends_on: dt.date


class ScheduledTestOut(Schema):
    id: int
    due_on: dt.date
    status: str


class OrderOut(Schema):
    id: int
    person_id: int
    area_code: str
    category: str
    status: str
    profile_name: str
    profile_version: int
    rule_id: str
    explanation: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    owner_name: str | None = None
    measures: list[MeasureOut]
    tests: list[ScheduledTestOut]


def _order_out(order) -> dict:
    return {
        "id": order.pk, "person_id": order.person_id, "area_code": order.area_code, "category": order.category,
        "status": order.status, "profile_name": order.profile_name, "profile_version": order.profile_version,
        "rule_id": order.rule_id, "explanation": order.explanation, "starts_on": order.starts_on, "ends_on": order.ends_on,
        "owner_name": order.owner.name if order.owner_id else None,
        "measures": list(order.measures.all()), "tests": list(order.tests.all()),
    }


@control_router.post("/arrivals", response={201: OrderOut | dict, 422: ErrorOut})
def arrival_create(request, body: ArrivalIn):
    """Register an arrival: routed to the destination's grid worker and put under the plan in force."""
    person = person_get(user=request.user, pk=body.person_id)
    household = household_get(user=request.user, pk=body.household_id) if body.household_id else person.household
    data = body.dict(exclude={"person_id", "household_id"})
    try:
        arrival = services.arrival_register(by=request.user, person=person, household=household, **data)
    except services.InvalidInput as exc:
        return _invalid(exc)
    order = arrival.orders.first()
    return Status(201, (_order_out(order) if order else {"arrival_id": arrival.pk, "order": None}))


@control_router.get("/orders", response=list[OrderOut])
def order_list(request, status: str = "open", limit: int = 100, offset: int = 0):
    limit = max(1, min(limit, 500))
    qs = selectors.orders_for(user=request.user, status=status).prefetch_related("measures", "tests").order_by("-pk")
    return [_order_out(o) for o in qs[offset : offset + limit]]


@control_router.get("/orders/{int:pk}", response=OrderOut)
def order_detail(request, pk: int):
    return _order_out(selectors.order_get(user=request.user, pk=pk))


class CheckInIn(Schema):
    temperature: float
    symptoms: list[str] = []
    note: str = ""


@control_router.post("/orders/{int:pk}/checkins", response={201: dict, 422: ErrorOut})
def checkin_create(request, pk: int, body: CheckInIn):
    order = selectors.order_get(user=request.user, pk=pk)
    try:
        checkin = services.checkin_record(by=request.user, order=order, temperature=body.temperature,
                                          symptoms=body.symptoms, note=body.note)
    except services.InvalidInput as exc:
        return _invalid(exc)
    order.refresh_from_db()
    return Status(201, {"id": checkin.pk, "order_status": order.status})


class ResultIn(Schema):
    positive: bool


@control_router.post("/tests/{int:pk}/result", response={200: ScheduledTestOut, 422: ErrorOut})
def test_result(request, pk: int, body: ResultIn):
    test = selectors.scheduled_test_get(user=request.user, pk=pk)
    return services.test_result_record(by=request.user, test=test, positive=body.positive)


@control_router.post("/orders/{int:pk}/release", response={200: OrderOut, 422: ErrorOut})
def order_release(request, pk: int):
    order = selectors.order_get(user=request.user, pk=pk)
    try:
        services.order_release(by=request.user, order=order)
    except services.InvalidInput as exc:
        return _invalid(exc)
    return _order_out(order)


class TaskOut(Schema):
    kind: str
    person_id: int
    person_name: str
    order_id: int | None
    test_id: int | None = None
    due_on: dt.date | None = None


@control_router.get("/tasks/today", response=list[TaskOut])
def tasks_today(request):
    """The caller's list for today: visits, tests due, missing check-ins, missed tests, new arrivals."""
    day = selectors.worker_day(user=request.user, on=today())
    out = [{"kind": "visit", "person_id": o.person_id, "person_name": o.person.name, "order_id": o.pk} for o in day.visits]
    out += [{"kind": "test_due", "person_id": t.person_id, "person_name": t.person.name, "order_id": t.order_id,
             "test_id": t.pk, "due_on": t.due_on} for t in day.tests_due]
    out += [{"kind": "checkin_missing", "person_id": o.person_id, "person_name": o.person.name, "order_id": o.pk}
            for o in day.checkins_missing]
    out += [{"kind": "test_missed", "person_id": t.person_id, "person_name": t.person.name, "order_id": t.order_id,
             "test_id": t.pk, "due_on": t.due_on} for t in day.tests_missed]
    out += [{"kind": "new_arrival", "person_id": a.person_id, "person_name": a.person.name, "order_id": None}
            for a in day.new_arrivals]
    return out


class EscalationOut(Schema):
    id: int
    kind: str
    level: int
    detail: str
    person_id: int
    order_id: int | None
    area_code: str
    raised_at: dt.datetime


@control_router.get("/escalations", response=list[EscalationOut])
def escalation_list(request, limit: int = 100):
    return list(selectors.escalations_open(user=request.user)[: max(1, min(limit, 500))])


@control_router.post("/escalations/{int:pk}/resolve", response=EscalationOut)
def escalation_resolve(request, pk: int):
    return services.escalation_resolve(by=request.user, escalation=selectors.escalation_get(user=request.user, pk=pk))


class VerifyIn(Schema):
    token: str = Field("", max_length=64, description="the token in the person's QR code")
    id_number: str = Field("", max_length=40, description="or a resident ID number typed at a checkpoint")
    device: str = Field(min_length=1, max_length=64, description="the scanner's identifier, for rate limiting and the log")


class VerifyOut(Schema):
    colour: str
    name: str = Field(description="masked")
    at: dt.datetime


VERIFY_PER_MINUTE = 120


@control_router.post("/verify", response={200: VerifyOut, 404: ErrorOut, 429: ErrorOut})
def verify(request, body: VerifyIn):
    """Health-code verification (验码): only the colour, a masked name and the time. Every call is logged."""
    key = f"verify:{body.device}:{int(dt.datetime.now(dt.UTC).timestamp() // 60)}"
    cache.add(key, 0, timeout=120)
    if cache.incr(key) > VERIFY_PER_MINUTE:
        return Status(429, {"detail": "too many verifications from this device; wait a minute"})
    code = None
    if body.token:
        code = selectors.health_code_by_token(body.token)
    elif body.id_number:
        person = person_find_by_document(id_type="resident_id", id_number=_normalized_id(body.id_number))
        code = services.health_code_refresh(person=person) if person is not None else None
    result = services.verification_record(by=request.user, device=body.device, code=code)
    if result is None:
        return Status(404, {"detail": "no such health code"})
    return result


def _normalized_id(raw: str) -> str:
    from fangkong.core.ids import check_resident_id

    return check_resident_id(raw).normalized

