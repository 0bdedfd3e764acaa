from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.cache import cache
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import StrictBool, StrictFloat, StrictInt

from fangkong.core.api_support import (
    Body,
    ErrorOut,
    IsoDate,
    RecordId,
    Text,
    forbidden,
    invalid,
    reject_unknown_query,
    responses,
)
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


class RiskAreaIn(Body):
    division_code: Text = Field("", max_length=24)
    region_name: Text = Field("", max_length=200)
    level: str = Field(description="high, medium or low")
    zone: str = Field("", description="sealed, controlled, prevention or empty")
    starts_on: IsoDate
    lifted_on: IsoDate | None = None
    source: Text = Field("", max_length=200)


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


class OnDay(Schema):
    on: IsoDate | None = Field(None, description="YYYY-MM-DD; default today")


class LevelQuery(OnDay):
    code: str = Field("", pattern=r"^[0-9]{0,18}$", description="division code, short or 12-digit")
    name: Text = Field("", max_length=200, description="or the name of a place without a code")


@router.get("/", response=responses({200: list[RiskAreaOut]}))
def risk_area_list(request, query: Query[OnDay]):
    """Risk areas in force on a day (default today)."""
    reject_unknown_query(request, OnDay)
    return list(selectors.risk_areas_in_force(on=query.on or today()))


@router.get("/level", response=responses({200: RiskLevelOut}))
def risk_level(request, query: Query[LevelQuery]):
    """What was the level of area X on date D: the highest level in force for the node or an ancestor."""
    reject_unknown_query(request, LevelQuery)
    if not query.code and not query.name:
        raise invalid("code", "give code or name")
    return selectors.risk_level_on(on=query.on or today(), code=query.code, name=query.name).as_dict()


@router.post("/", response=responses({201: RiskAreaOut}))
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
        raise invalid(exc.column, exc.reason) from exc
    except services.NotAllowed as exc:
        raise forbidden(None, str(exc)) from exc


@router.post("/import", response=responses({200: ImportOut}))
def risk_area_import(request, file: UploadedFile = File(...)):  # noqa: B008 - ninja's declaration style
    try:
        text = file.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise invalid("file", "not UTF-8 text") from exc
    try:
        return services.risk_areas_import(user=request.user, text=text).as_dict()
    except RowError as exc:
        raise invalid(exc.column, exc.reason) from exc
    except services.NotAllowed as exc:
        raise forbidden(None, str(exc)) from exc



def _invalid(exc: services.InvalidInput):
    return Status(422, {"detail": "invalid input", "errors": [{"field": k, "reason": str(v)} for k, v in exc.errors.items()]})


class ArrivalIn(Body):
    person_id: RecordId = Field(description="the registered person arriving (register unknown people through /persons first)")
    household_id: RecordId | None = None
    category: Literal["inbound", "risk_area_arrival", "returnee"]
    origin_code: str = Field("", pattern=r"^[0-9]{0,12}$")
    origin_name: Text = Field(min_length=1, max_length=200)
    arrived_on: IsoDate
    route: Text = Field("", max_length=300)
    transport: Literal["plane", "train", "car", "bus", "other"] = "other"
    transport_number: Text = Field("", max_length=40)
    negative_test_date: IsoDate | None = None
    released_from_centralized_isolation: StrictBool = False
    source: Literal["checkpoint", "self", "assist", "big_data", "import", "manual"] = "manual"


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


class ArrivalOut(Schema):
    arrival_id: int
    origin_risk: str | None
    routed_to: str | None = Field(description="the responsible person the arrival was routed to")
    order: OrderOut | None = Field(description="the control order, or null when the policy orders nothing")


@control_router.post("/arrivals", response=responses({201: ArrivalOut}))
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
    return Status(201, {"arrival_id": arrival.pk, "origin_risk": arrival.origin_risk or None,
                        "routed_to": arrival.routed_to.name if arrival.routed_to_id else None,
                        "order": _order_out(order) if order else None})


class OrderQuery(Schema):
    status: Literal["open", "ordered", "in_progress", "released", "escalated", "hospital", "cancelled"] = "open"
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


@control_router.get("/orders", response=responses({200: list[OrderOut]}))
def order_list(request, query: Query[OrderQuery]):
    reject_unknown_query(request, OrderQuery)
    status, limit, offset = query.status, query.limit, query.offset
    qs = selectors.orders_for(user=request.user, status=status).prefetch_related("measures", "tests").order_by("-pk")
    return [_order_out(o) for o in qs[offset : offset + limit]]


@control_router.get("/orders/{pk}", response=responses({200: OrderOut}))
def order_detail(request, pk: RecordId):
    reject_unknown_query(request)
    return _order_out(selectors.order_get(user=request.user, pk=pk))


class CheckInIn(Body):
    temperature: StrictFloat | StrictInt = Field(description="°C, 34 to 43")
    symptoms: list[str] = Field([], max_length=10)
    note: Text = Field("", max_length=200)


class CheckInOut(Schema):
    id: int
    order_status: str


@control_router.post("/orders/{pk}/checkins", response=responses({201: CheckInOut}))
def checkin_create(request, pk: RecordId, body: CheckInIn):
    order = selectors.order_get(user=request.user, pk=pk)
    try:
        checkin = services.checkin_record(by=request.user, order=order, temperature=body.temperature,
                                          symptoms=body.symptoms, note=body.note)
    except services.InvalidInput as exc:
        return _invalid(exc)
    order.refresh_from_db()
    return Status(201, {"id": checkin.pk, "order_status": order.status})


class ResultIn(Body):
    positive: StrictBool


@control_router.post("/tests/{pk}/result", response=responses({200: ScheduledTestOut}))
def test_result(request, pk: RecordId, body: ResultIn):
    test = selectors.scheduled_test_get(user=request.user, pk=pk)
    return services.test_result_record(by=request.user, test=test, positive=body.positive)


@control_router.post("/orders/{pk}/release", response=responses({200: OrderOut}))
def order_release(request, pk: RecordId):
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


@control_router.get("/tasks/today", response=responses({200: list[TaskOut]}))
def tasks_today(request):
    """The caller's list for today: visits, tests due, missing check-ins, missed tests, new arrivals."""
    reject_unknown_query(request)
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
    person_name: str = Field(alias="person.name")
    order_id: int | None
    area_code: str
    raised_at: dt.datetime


class Limit(Schema):
    limit: int = Field(100, ge=1, le=500)


@control_router.get("/escalations", response=responses({200: list[EscalationOut]}))
def escalation_list(request, query: Query[Limit]):
    reject_unknown_query(request, Limit)
    return list(selectors.escalations_open(user=request.user)[: query.limit])


@control_router.post("/escalations/{pk}/resolve", response=responses({200: EscalationOut}))
def escalation_resolve(request, pk: RecordId):
    return services.escalation_resolve(by=request.user, escalation=selectors.escalation_get(user=request.user, pk=pk))


class VerifyIn(Body):
    token: Text = Field("", max_length=64, description="the token in the person's QR code")
    id_number: Text = Field("", max_length=40, description="or a resident ID number typed at a checkpoint")
    device: Text = Field(min_length=1, max_length=64, description="the scanner's identifier, for rate limiting and the log")


class VerifyOut(Schema):
    colour: str
    name: str = Field(description="masked")
    at: dt.datetime


VERIFY_PER_MINUTE = 120


@control_router.post("/verify", response=responses({200: VerifyOut, 429: ErrorOut}))
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
        person = person_find_by_document(id_type="resident_id", id_number=body.id_number)
        code = services.health_code_refresh(person=person) if person is not None else None
    result = services.verification_record(by=request.user, device=body.device, code=code)
    if result is None:
        return Status(404, {"detail": "no such health code"})
    return result


# ---------------------------------------------------------------------------
# Capability 4, personal check-in links: issued and revoked by staff, opened by the person without an account
# ---------------------------------------------------------------------------


class CheckinLinkOut(Schema):
    id: int
    url: str = Field(description="the personal page; it is the person's credential: send it to them only")
    expires_at: dt.datetime


@control_router.post("/orders/{pk}/checkin-link", response=responses({201: CheckinLinkOut}))
def checkin_link_issue(request, pk: RecordId):
    """A new personal check-in link for an open order; any earlier link of the order stops working."""
    from django.urls import reverse

    from .public_tokens import checkin_token, public_url

    order = selectors.order_get(user=request.user, pk=pk)
    try:
        link = services.checkin_link_issue(by=request.user, order=order)
    except services.InvalidInput as exc:
        return _invalid(exc)
    except services.NotAllowed as exc:
        raise forbidden(None, str(exc)) from exc
    url = public_url(request, reverse("public:checkin", args=[checkin_token(link.pk, link.nonce)]))
    return Status(201, {"id": link.pk, "url": url, "expires_at": link.expires_at})


@control_router.post("/orders/{pk}/checkin-link/revoke", response=responses({204: None}))
def checkin_link_revoke(request, pk: RecordId):
    """The order's personal link stops working at once."""
    order = selectors.order_get(user=request.user, pk=pk)
    link = selectors.checkin_link_active(order=order)
    if link is not None:
        try:
            services.checkin_link_revoke(by=request.user, link=link)
        except services.NotAllowed as exc:
            raise forbidden(None, str(exc)) from exc
    return Status(204, None)
