from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import AfterValidator, BeforeValidator, StrictBool, StringConstraints

from fangkong.areas.api import area_by_any_code
from fangkong.core.api_support import (
    ApiError,
    Body,
    BoundedDateTime,
    Documented,
    ErrorOut,
    IsoDate,
    MobilePhone,
    Page,
    RecordId,
    Temperature,
    Text,
    YearMonth,
    allowed_to,
    forbidden,
    invalid,
    not_found,
    page_of,
    reject_unknown_query,
    responses,
)
from fangkong.core.clock import today
from fangkong.core.dates import plausible
from fangkong.healthcodes.services import health_code_refresh
from fangkong.people.selectors import household_get, person_get
from fangkong.people.services import person_find_by_document
from fangkong.policy.api import ProfileName
from fangkong.policy.profile import shipped_profiles

from . import actions, ratelimit, selectors, services
from .models import Gathering, GatheringKind, GatheringMeasure
from .risk_rows import CODE_LENGTHS, LEVELS, ZONES, RiskRow, RowError, short_code

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
    # The schema says what risk_rows.parse_row accepts: a code of a division's length, the levels and zones it
    # knows (either language), and a code or a name.
    model_config = {"json_schema_extra": {"anyOf": [
        {"required": ["division_code"], "properties": {"division_code": {"minLength": 2}}},
        {"required": ["region_name"], "properties": {"region_name": {"pattern": r"\S"}}}]}}

    division_code: Text = Field("", max_length=24, json_schema_extra={
        "pattern": "^(" + "|".join(f"[0-9]{{{n}}}" for n in sorted(CODE_LENGTHS)) + ")?$"})
    region_name: Text = Field("", max_length=200)
    level: str = Field(description="high, medium or low", json_schema_extra={"enum": list(LEVELS)})
    zone: str = Field("", description="sealed, controlled, prevention or empty", json_schema_extra={"enum": list(ZONES)})
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


@router.post("/", response=responses({201: RiskAreaOut}), auth=allowed_to(actions.RISK_AREA_EDIT))
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


@router.post("/import", response=responses({200: ImportOut}), auth=allowed_to(actions.RISK_AREA_EDIT))
def risk_area_import(request, file: UploadedFile = File(...)):  # noqa: B008 - ninja's declaration style
    try:
        text = file.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise invalid("file", _("not UTF-8 text")) from exc
    try:
        return services.risk_areas_import(user=request.user, text=text).as_dict()
    except RowError as exc:
        raise invalid(exc.column, exc.reason) from exc
    except services.NotAllowed as exc:
        raise forbidden(None, str(exc)) from exc


def _invalid(exc: services.InvalidInput):
    return Status(422, {"detail": _("invalid input"), "errors": [{"field": k, "reason": str(v)} for k, v in exc.errors.items()]})


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


@control_router.post("/arrivals", response=responses({201: ArrivalOut}), auth=allowed_to(actions.ARRIVAL_REGISTER))
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
    temperature: Temperature
    symptoms: list[str] = Field([], max_length=10)
    note: Text = Field("", max_length=200)


class CheckInOut(Schema):
    id: int
    order_status: str


@control_router.post("/orders/{pk}/checkins", response=responses({201: CheckInOut}), auth=allowed_to(actions.CHECKIN_RECORD))
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


@control_router.post("/tests/{pk}/result", response=responses({200: ScheduledTestOut}),
                     auth=allowed_to(actions.TEST_RESULT_RECORD))
def test_result(request, pk: RecordId, body: ResultIn):
    test = selectors.scheduled_test_get(user=request.user, pk=pk)
    return services.test_result_record(by=request.user, test=test, positive=body.positive)


class HospitalTransferIn(Body):
    reason: Text = Field(min_length=1, max_length=200, description="why the person goes to hospital")


class DischargeIn(Body):
    note: Text = Field("", max_length=200)


@control_router.post("/orders/{pk}/hospital/transfer", response=responses({200: OrderOut}),
                     auth=allowed_to(actions.ORDER_TRANSFER), summary="Transfer a person under control to hospital")
def order_hospital_transfer(request, pk: RecordId, body: HospitalTransferIn):
    order = selectors.order_get(user=request.user, pk=pk)
    try:
        order = services.order_transfer_to_hospital(by=request.user, order=order, reason=body.reason)
    except services.InvalidInput as exc:
        return _invalid(exc)
    return _order_out(order)


@control_router.post("/orders/{pk}/hospital/admit", response=responses({200: OrderOut}),
                     auth=allowed_to(actions.HOSPITAL_ADMIT), summary="The hospital takes the person over")
def order_hospital_admit(request, pk: RecordId):
    order = selectors.order_get(user=request.user, pk=pk)
    try:
        order = services.order_hospital_admit(by=request.user, order=order)
    except services.InvalidInput as exc:
        return _invalid(exc)
    return _order_out(order)


@control_router.post("/orders/{pk}/hospital/discharge", response=responses({200: OrderOut}),
                     auth=allowed_to(actions.HOSPITAL_DISCHARGE), summary="The hospital discharges the person")
def order_hospital_discharge(request, pk: RecordId, body: DischargeIn):
    order = selectors.order_get(user=request.user, pk=pk)
    try:
        order = services.order_hospital_discharge(by=request.user, order=order, note=body.note)
    except services.InvalidInput as exc:
        return _invalid(exc)
    return _order_out(order)


class ReleaseIn(Schema):
    # Release conditions of the order's rule that the platform cannot check, confirmed by the caller by name
    # (e.g. linked_close_contact_first_two_tests_negative); recorded in the audit event.
    confirmed: list[Annotated[str, StringConstraints(max_length=80)]] = Field(default_factory=list, max_length=10)


@control_router.post("/orders/{pk}/release", response=responses({200: OrderOut}), auth=allowed_to(actions.ORDER_RELEASE))
def order_release(request, pk: RecordId, body: ReleaseIn | None = None):
    order = selectors.order_get(user=request.user, pk=pk)
    try:
        services.order_release(by=request.user, order=order, confirmed=body.confirmed if body else ())
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


@control_router.post("/escalations/{pk}/resolve", response=responses({200: EscalationOut}),
                     auth=allowed_to(actions.ESCALATION_RESOLVE))
def escalation_resolve(request, pk: RecordId):
    """Resolve an open escalation. Resolved already (by someone else meanwhile): 409, the first resolver stays."""
    escalation = selectors.escalation_get(user=request.user, pk=pk)
    try:
        return services.escalation_resolve(by=request.user, escalation=escalation)
    except services.AlreadyDone as exc:
        raise ApiError(409, _("conflict"), [("escalation", exc.message)]) from exc


class VerifyIn(Body):
    token: Text = Field("", max_length=64, description="the token in the person's QR code")
    id_number: Text = Field("", max_length=40, description="or a resident ID number typed at a checkpoint")
    device: Text = Field(min_length=1, max_length=64, description="the scanner's identifier, for rate limiting and the log")


class VerifyOut(Schema):
    colour: str
    name: str = Field(description="masked")
    at: dt.datetime


VERIFY_PER_MINUTE = services.VERIFY_PER_MINUTE


@control_router.post("/verify", response=responses({200: VerifyOut, 429: ErrorOut}),
                     auth=allowed_to(actions.HEALTH_CODE_VERIFY))
def verify(request, body: VerifyIn, response: HttpResponse):
    """Health-code verification (验码): only the colour, a masked name and the time. Every call is logged."""
    # Counted in the database, so the limit holds across all server worker processes. A well-formed
    # token scan is usually answered before it gets here, by control.fastpath, with this same service.
    if body.token:
        verified = services.verification_by_token(by=request.user, device=body.device, token=body.token,
                                                  limit=services.VERIFY_PER_MINUTE)
        verdict, result = verified.verdict, verified.answer
    else:
        # A typed ID number: counted per user (never per a device name the caller chooses) and logged.
        verdict = ratelimit.hit(services.VERIFY_RULE, services.verification_subject(request.user.pk),
                                limit=services.VERIFY_PER_MINUTE, window=60, plain=True)
        result = None
        if verdict.allowed:
            code = None
            if body.id_number:
                person = person_find_by_document(id_type="resident_id", id_number=body.id_number)
                code = health_code_refresh(person=person) if person is not None else None
            result = services.verification_record(by=request.user, device=body.device, code=code)
    if not verdict.allowed:
        response["Retry-After"] = str(verdict.retry_after)
        return Status(429, {"detail": _("too many verifications; wait a minute")})
    if result is None:
        return Status(404, {"detail": _("no such health code")})
    return result


# --- the policy profile in force ---------------------------------------------------------

class ActiveProfileOut(Schema):
    name: str
    version: int
    title: str
    activated_at: dt.datetime | None = Field(description="null while the deployment default applies")


class ProfileSwitchIn(Body):
    name: ProfileName = Field(min_length=1, max_length=64, description="a shipped profile name")
    apply: StrictBool = Field(False, description="false: dry run only; true: switch and re-derive the open orders")


class OrderChangeOut(Schema):
    order_id: int
    person_id: int
    rule_before: str
    rule_after: str
    before: list[dict]
    after: list[dict]


class ProfileSwitchOut(Schema):
    name: str
    applied: bool
    changed_orders: int
    changes: list[OrderChangeOut] = Field(description="the first 100 orders that change (dry run)")


@control_router.get("/profile", response=responses({200: ActiveProfileOut}))
def profile_active(request):
    """The policy profile in force and since when."""
    current = selectors.profile_in_force()
    profile = services.active_profile()
    return {"name": profile.name, "version": profile.version, "title": profile.title,
            "activated_at": current.activated_at if current else None}


# Details of the first orders only: a switch over a million orders must not hold (or send) a million.
SWITCH_DETAILS = 100


@control_router.post("/profile", response=responses({200: ProfileSwitchOut}), auth=allowed_to(actions.PROFILE_SWITCH))
def profile_switch(request, body: ProfileSwitchIn):
    """Switch the profile in force (city command). Send apply=false first to see every order that would change."""
    if body.name not in shipped_profiles():
        raise invalid("name", _("no shipped profile named %(name)s; shipped: %(names)s") % {
            "name": body.name, "names": ", ".join(shipped_profiles())})
    try:
        changes, applied = services.profile_switch(by=request.user, name=body.name, apply=body.apply,
                                                   details=SWITCH_DETAILS)
    except services.NotAllowed as exc:
        raise forbidden(None, str(exc)) from exc
    return {"name": body.name, "applied": applied is not None, "changed_orders": changes.total,
            "changes": [] if applied is not None else [vars(c) for c in changes]}


# ---------------------------------------------------------------------------
# Capability 7: checkpoints (卡口)
# ---------------------------------------------------------------------------


class CheckpointOut(Schema):
    id: int
    name: str
    channel: str = Field(description="airport, railway, highway or road (national / provincial road)")
    area_code: str
    area_name: str = Field(alias="area.name")
    location: str
    active: bool
    responsible_name: str
    responsible_phone: str


class CheckpointQuery(Schema):
    channel: Literal["airport", "railway", "highway", "road"] | None = None
    active: bool | None = None


@control_router.get("/checkpoints", response=responses({200: list[CheckpointOut]}))
def checkpoint_list(request, query: Query[CheckpointQuery]):
    """Checkpoints under your node (a command user sees its whole subtree)."""
    reject_unknown_query(request, CheckpointQuery)
    return list(selectors.checkpoints_for(user=request.user, channel=query.channel or "", active=query.active))


class CheckpointIn(Body):
    name: Text = Field(min_length=1, max_length=100)
    channel: Literal["airport", "railway", "highway", "road"]
    area_code: str = Field(pattern=r"^[0-9]{6}([0-9]{3})?$", description="the county (6 digits) or township (9 digits)")
    location: Text = Field("", max_length=200)
    active: StrictBool = True
    responsible_name: Text = Field("", max_length=50)
    responsible_phone: Text = Field("", max_length=20)


@control_router.post("/checkpoints", response=responses({201: CheckpointOut}), auth=allowed_to(actions.CHECKPOINT_MANAGE))
def checkpoint_create(request, body: CheckpointIn):
    """Open a checkpoint (city command and district users)."""
    from fangkong.areas.selectors import area_get

    area = area_get(user=request.user, code=body.area_code)
    try:
        checkpoint = services.checkpoint_create(by=request.user, area=area, **body.dict(exclude={"area_code"}))
    except services.InvalidInput as exc:
        return _invalid(exc)
    except services.NotAllowed as exc:
        raise forbidden(None, str(exc)) from exc
    return Status(201, checkpoint)


class PassengerBody(Body):
    name: Text = Field(max_length=100)
    id_type: Literal["resident_id", "passport", "hk_macao_permit", "taiwan_permit", "foreign_permanent",
                     "birth_certificate", "none"] = "resident_id"
    id_number: Text = Field("", max_length=40)
    phone: Text = Field("", max_length=20)
    temperature: Temperature
    colour: Literal["green", "yellow", "red", ""] = Field("", description="the health-code colour seen; or give health_code_token")
    health_code_token: Text = Field("", max_length=64, description="the token of the person's QR code: the colour is looked up (and logged)")
    origin: Text = Field("", max_length=200, description="division code or place name; default the passage's")
    destination: Text = Field("", max_length=32, description="area or household code in the city; default the passage's")
    category: Literal["inbound", "risk_area_arrival", "returnee"] = "returnee"
    negative_test_date: IsoDate | None = None
    outcome: Literal["let_through", "turned_back", "medical", ""] = Field(
        "", description="default: medical for a fever or a red code, otherwise let_through")


class PassageIn(Body):
    plate: Text = Field("", max_length=20, description="required at highway and road checkpoints")
    trip_number: Text = Field("", max_length=20, description="flight or train number (airport, railway)")
    origin: Text = Field("", max_length=200, description="where the vehicle / group comes from: division code or name")
    destination: Text = Field("", max_length=32, description="area or household code in the city; empty: not staying")
    at: BoundedDateTime | None = Field(None, description="default now; ISO 8601 with time zone")
    note: Text = Field("", max_length=200)
    passengers: list[PassengerBody] = Field(min_length=1, max_length=services.MAX_PASSENGERS)


class PassengerOut(Schema):
    seq: int
    name: str = Field(description="masked")
    id_number: str = Field(description="masked")
    temperature: float
    fever: bool
    colour: str
    code_scanned: bool
    outcome: str
    origin_name: str
    destination_code: str
    arrival_id: int | None
    person_id: int | None


class PassageOut(Schema):
    id: int
    checkpoint_id: int
    at: dt.datetime
    plate: str
    trip_number: str
    passengers: list[PassengerOut]


class CountsOut(Schema):
    checkpoint_id: int
    name: str
    channel: str
    on: dt.date
    vehicles: int
    people: int
    let_through: int
    turned_back: int
    medical: int
    fever: int


def _passage_out(passage) -> dict:
    from fangkong.core.masking import mask_name

    return {
        "id": passage.pk, "checkpoint_id": passage.checkpoint_id, "at": passage.at, "plate": passage.plate,
        "trip_number": passage.trip_number,
        "passengers": [{
            "seq": p.seq, "name": mask_name(p.name), "id_number": p.id_number_masked, "temperature": float(p.temperature),
            "fever": p.fever, "colour": p.colour, "code_scanned": p.code_scanned, "outcome": p.outcome,
            "origin_name": p.origin_name, "destination_code": p.destination_code, "arrival_id": p.arrival_id,
            "person_id": p.person_id,
        } for p in passage.passengers.all()],
    }


def _counts_out(checkpoint, on: dt.date, counts: dict) -> dict:
    return {"checkpoint_id": checkpoint.pk, "name": checkpoint.name, "channel": checkpoint.channel, "on": on,
            **counts.get(checkpoint.pk, selectors.empty_counts())}


@control_router.post("/checkpoints/{pk}/passages", response=responses({201: PassageOut}),
                     auth=allowed_to(actions.PASSAGE_RECORD))
def passage_create(request, pk: RecordId, body: PassageIn):
    """Record a vehicle (or a group on foot) and everyone checked in it, in one transaction.

    A person let through to a destination in the city is registered as an arrival at once
    (matched by document or registered), routed and put under the plan in force. Errors name
    the field, per person as `passengers.N.field`.
    """
    checkpoint = selectors.checkpoint_get(user=request.user, pk=pk)
    people = [services.PassengerIn(**p.dict()) for p in body.passengers]
    try:
        passage = services.passage_record(
            by=request.user, checkpoint=checkpoint, passengers=people, plate=body.plate, trip_number=body.trip_number,
            origin=body.origin, destination=body.destination, at=body.at, note=body.note,
        )
    except services.InvalidInput as exc:
        return _invalid(exc)
    except services.NotAllowed as exc:
        raise forbidden(None, str(exc)) from exc
    return Status(201, _passage_out(passage))


class PassageQuery(OnDay):
    limit: int = Field(100, ge=1, le=500)


@control_router.get("/checkpoints/{pk}/passages", response=responses({200: list[PassageOut]}))
def passage_list(request, pk: RecordId, query: Query[PassageQuery]):
    """One day's passages at a checkpoint (default today), newest first; names and documents masked."""
    reject_unknown_query(request, PassageQuery)
    checkpoint = selectors.checkpoint_get(user=request.user, pk=pk)
    passages = selectors.passages_of(user=request.user, checkpoint=checkpoint, on=query.on or today())
    return [_passage_out(p) for p in passages[: query.limit]]


@control_router.get("/checkpoints/counts", response=responses({200: list[CountsOut]}))
def checkpoint_counts(request, query: Query[OnDay]):
    """Daily counts of every checkpoint under your node for one day (default today)."""
    reject_unknown_query(request, OnDay)
    on = query.on or today()
    counts = selectors.checkpoint_day_counts(user=request.user, on=on)
    return [_counts_out(c, on, counts) for c in selectors.checkpoints_for(user=request.user)]


@control_router.get("/checkpoints/{pk}/counts", response=responses({200: CountsOut}))
def checkpoint_day_counts(request, pk: RecordId, query: Query[OnDay]):
    """One checkpoint's counts for one day (default today)."""
    reject_unknown_query(request, OnDay)
    checkpoint = selectors.checkpoint_get(user=request.user, pk=pk)
    on = query.on or today()
    return _counts_out(checkpoint, on, selectors.checkpoint_day_counts(user=request.user, on=on, checkpoint=checkpoint))


# ---------------------------------------------------------------------------
# Capability 4, personal check-in links: issued and revoked by staff, opened by the person without an account
# ---------------------------------------------------------------------------


class CheckinLinkOut(Schema):
    id: int
    url: str = Field(description="the personal page; it is the person's credential: send it to them only")
    expires_at: dt.datetime


@control_router.post("/orders/{pk}/checkin-link", response=responses({201: CheckinLinkOut}),
                     auth=allowed_to(actions.CHECKIN_LINK_MANAGE))
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


@control_router.post("/orders/{pk}/checkin-link/revoke", response=responses({204: None}),
                     auth=allowed_to(actions.CHECKIN_LINK_MANAGE))
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


# ---------------------------------------------------------------------------
# Capability 8: gatherings (聚集性活动报批) under /api/v1/control/gatherings
# ---------------------------------------------------------------------------


_ISO_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:?[0-9]{2})?")


def _iso_datetime(value):
    # pydantic would read a number as a Unix time; an event time is written 2026-05-01T10:00 (local time) or with an offset.
    if isinstance(value, dt.datetime) or (isinstance(value, str) and _ISO_DATETIME.fullmatch(value)):
        return value
    raise ValueError("must be a date and time written YYYY-MM-DDTHH:MM, optionally with an offset")


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else timezone.make_aware(value, timezone.get_default_timezone())


IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_datetime), AfterValidator(plausible),
                        Documented(pattern=r"^(19|20)[0-9]{2}-")]  # plausible(): years 1900-2099
GatheringStatus = Literal["submitted", "approved", "rejected", "withdrawn", "cancelled"]


class GatheringIn(Body):
    area_code: str = Field(pattern=r"^[0-9]{6,18}$", description="the county, township, village or grid where it happens "
                           "(short code or the 12-digit national code)")
    title: Text = Field(min_length=1, max_length=200)
    kind: Literal[tuple(GatheringKind.values)] = Field(description="wedding, funeral, exhibition, conference, …")  # type: ignore[valid-type]
    organiser: Text = Field(min_length=1, max_length=200)
    contact_name: Text = Field(min_length=1, max_length=50)
    contact_phone: MobilePhone = Field(min_length=1, max_length=20, description="a mainland mobile number")
    venue: Text = Field(min_length=1, max_length=200)
    starts_at: IsoDateTime = Field(description="local time (Asia/Shanghai) unless an offset is given")
    ends_at: IsoDateTime
    expected_attendance: int = Field(ge=0, le=10_000_000, description="more than 50; 50 or fewer need no application")
    plan_text: Text = Field(min_length=1, max_length=5000, description="the prevention plan")
    measures: list[Literal[tuple(GatheringMeasure.values)]] = Field([], max_length=10)  # type: ignore[valid-type]


class GatheringFileOut(Schema):
    name: str
    content_type: str
    size: int
    sha256: str


class GatheringStepOut(Schema):
    status: str
    by: str
    at: dt.datetime
    reason: str


class GatheringOut(Schema):
    id: int
    title: str
    kind: str
    organiser: str
    contact_name: str
    contact_phone: str = Field(description="masked (138****5678) unless unmasked on request")
    venue: str
    area_code: str
    area_name: str
    approver_code: str = Field(description="the node whose users decide (the level above the event's area)")
    starts_at: dt.datetime
    ends_at: dt.datetime
    expected_attendance: int
    plan_text: str
    measures: list[str]
    plan_file: GatheringFileOut | None
    status: str
    submitted_by: str
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    reason: str
    steps: list[GatheringStepOut]
    actions: list[str] = Field(description="what the caller may do now: approve, reject, withdraw, cancel")
    masked: bool


class GatheringPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[GatheringOut]


def _gathering_out(request, g: Gathering, phone: str | None = None, *, steps: bool = True) -> dict:
    return {
        "id": g.pk, "title": g.title, "kind": g.kind, "organiser": g.organiser, "contact_name": g.contact_name,
        "contact_phone": phone or g.contact_phone_masked, "venue": g.venue, "area_code": g.area_code,
        "area_name": g.area.name, "approver_code": g.approver_code, "starts_at": g.starts_at, "ends_at": g.ends_at,
        "expected_attendance": g.expected_attendance, "plan_text": g.plan_text, "measures": list(g.measures),
        "plan_file": {"name": g.plan_file_name, "content_type": g.plan_file_type, "size": g.plan_file_size or 0,
                      "sha256": g.plan_file_sha256} if g.plan_file else None,
        "status": g.status, "submitted_by": g.submitted_by.username if g.submitted_by_id else "",
        "submitted_at": g.submitted_at, "decided_at": g.decided_at, "reason": g.reason,
        "steps": [{"status": s.status, "by": s.by_name, "at": s.at, "reason": s.reason} for s in g.steps.all()] if steps else [],
        "actions": sorted(selectors.gathering_actions(user=request.user, gathering=g)),
        "masked": phone is None,
    }


def _gathering_call(request, service, gathering: Gathering, **kwargs):
    try:
        done = service(by=request.user, gathering=gathering, **kwargs)
    except services.InvalidInput as exc:
        return _invalid(exc)
    except services.NotAllowed as exc:
        raise forbidden(None, str(exc)) from exc
    return _gathering_out(request, selectors.gathering_get(user=request.user, pk=done.pk))


class GatheringQuery(Page):
    status: GatheringStatus | None = None
    area_code: str = Field("", pattern=r"^[0-9]{0,18}$", description="only events under this node (within your area)")


@control_router.get("/gatherings", response=responses({200: GatheringPage}))
def gathering_list(request, query: Query[GatheringQuery]):
    """Applications for events in your area, soonest first."""
    reject_unknown_query(request, GatheringQuery)
    qs = selectors.gatherings_for(user=request.user, status=query.status or "", area_code=query.area_code).order_by("starts_at", "pk")
    return page_of(qs, query, lambda g: _gathering_out(request, g, steps=False))


@control_router.post("/gatherings", response=responses({201: GatheringOut}), auth=allowed_to(actions.GATHERING_SUBMIT))
def gathering_submit(request, body: GatheringIn):
    """Apply for an event of more than 50 people; refused (422) with the reason for 50 or fewer or a risk area."""
    area = area_by_any_code(user=request.user, code=body.area_code)  # short or 12-digit national form
    data = body.dict(exclude={"area_code"})
    data["starts_at"], data["ends_at"] = _aware(body.starts_at), _aware(body.ends_at)
    try:
        gathering = services.gathering_submit(by=request.user, area=area, **data)
    except services.InvalidInput as exc:
        return _invalid(exc)
    except services.NotAllowed as exc:
        raise forbidden(None, str(exc)) from exc
    return Status(201, _gathering_out(request, selectors.gathering_get(user=request.user, pk=gathering.pk)))


@control_router.get("/gatherings/pending", response=responses({200: GatheringPage}))
def gathering_pending(request, query: Query[Page]):
    """Submitted applications that you may decide (events one level or more below your node)."""
    reject_unknown_query(request, Page)
    return page_of(selectors.gatherings_pending(user=request.user), query, lambda g: _gathering_out(request, g, steps=False))


class MonthQuery(Schema):
    month: YearMonth = Field("", description="YYYY-MM; default this month")
    area_code: str = Field("", pattern=r"^[0-9]{0,18}$", description="only events under this node (within your area)")


class CalendarDayOut(Schema):
    day: dt.date
    events: list[int] = Field(description="ids of the approved events on that day")


class CalendarOut(Schema):
    month: str
    days: list[CalendarDayOut] = Field(description="the days of the month that have approved events")
    events: list[GatheringOut]


@control_router.get("/gatherings/calendar", response=responses({200: CalendarOut}))
def gathering_calendar(request, query: Query[MonthQuery]):
    """Approved events of a month under your node: the days that have events, and the events."""
    reject_unknown_query(request, MonthQuery)
    first = dt.date.fromisoformat(f"{query.month}-01") if query.month else today().replace(day=1)
    month = selectors.gathering_calendar(user=request.user, year=first.year, month=first.month, area_code=query.area_code)
    events = {e.pk: e for d in month.busy_days for e in d.events}
    return {
        "month": f"{first:%Y-%m}",
        "days": [{"day": d.day, "events": [e.pk for e in d.events]} for d in month.busy_days],
        "events": [_gathering_out(request, e, steps=False) for e in events.values()],
    }


class PhoneReveal(Schema):
    unmask: bool = Field(False, description="show the full contact phone (applicant, deciders, roles that need it; logged)")
    reason: Text = Field("", max_length=200, description="why (required with unmask; written to the access log)")


@control_router.get("/gatherings/{pk}", response=responses({200: GatheringOut}))
def gathering_detail(request, pk: RecordId, query: Query[PhoneReveal]):
    reject_unknown_query(request, PhoneReveal)
    gathering = selectors.gathering_get(user=request.user, pk=pk)
    phone = None
    if query.unmask:
        if not selectors.gathering_may_see_phone(user=request.user, gathering=gathering):
            raise forbidden("unmask", "only the applicant, the deciders and roles that need full values see the phone")
        if not query.reason.strip():
            raise invalid("reason", "say why you need the full phone; the reason is written to the access log")
        phone = selectors.gathering_contact_phone(user=request.user, gathering=gathering, reason=query.reason.strip(),
                                                  request=request)
    return _gathering_out(request, gathering, phone)


class DecisionIn(Body):
    reason: Text = Field("", max_length=500)


class ReasonIn(Body):
    reason: Text = Field(min_length=1, max_length=500, description="required")


@control_router.post("/gatherings/{pk}/approve", response=responses({200: GatheringOut}),
                     auth=allowed_to(actions.GATHERING_DECIDE))
def gathering_approve(request, pk: RecordId, body: DecisionIn):
    """Approve: the level above the event's area (or higher on its chain); refused while the area is at risk."""
    return _gathering_call(request, services.gathering_approve, selectors.gathering_get(user=request.user, pk=pk),
                           reason=body.reason)


@control_router.post("/gatherings/{pk}/reject", response=responses({200: GatheringOut}),
                     auth=allowed_to(actions.GATHERING_DECIDE))
def gathering_reject(request, pk: RecordId, body: ReasonIn):
    return _gathering_call(request, services.gathering_reject, selectors.gathering_get(user=request.user, pk=pk),
                           reason=body.reason)


@control_router.post("/gatherings/{pk}/withdraw", response=responses({200: GatheringOut}),
                     auth=allowed_to(actions.GATHERING_SUBMIT))
def gathering_withdraw(request, pk: RecordId, body: DecisionIn):
    """The applicant takes back an undecided application."""
    return _gathering_call(request, services.gathering_withdraw, selectors.gathering_get(user=request.user, pk=pk),
                           reason=body.reason)


@control_router.post("/gatherings/{pk}/cancel", response=responses({200: GatheringOut}),
                     auth=allowed_to(actions.GATHERING_SUBMIT, actions.GATHERING_CANCEL))
def gathering_cancel(request, pk: RecordId, body: ReasonIn):
    """Call off an approved event: the applicant or the deciders."""
    return _gathering_call(request, services.gathering_cancel, selectors.gathering_get(user=request.user, pk=pk),
                           reason=body.reason)


@control_router.post("/gatherings/{pk}/plan", response=responses({200: GatheringOut}),
                     auth=allowed_to(actions.GATHERING_SUBMIT))
def gathering_plan_upload(request, pk: RecordId, file: UploadedFile | None = File(None)):  # noqa: B008 - ninja's declaration style
    """Attach the prevention plan as a file (PDF, .docx, JPEG or PNG; size limit in FANGKONG_PLAN_FILE_MAX_MB)."""
    gathering = selectors.gathering_get(user=request.user, pk=pk)  # first: another area's record is 404, whatever the body
    if file is None:
        raise invalid("file", "required: a multipart/form-data upload named file")
    return _gathering_call(request, services.gathering_attach_plan, gathering, plan_file=file)


_PLAN_FILE_RESPONSE = {"responses": {200: {"description": "the plan file", "content": {
    t: {"schema": {"type": "string", "format": "binary"}} for t in
    ("application/pdf", "image/png", "image/jpeg", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
}}}}


@control_router.get("/gatherings/{pk}/plan", response=responses({}), openapi_extra=_PLAN_FILE_RESPONSE)
def gathering_plan_download(request, pk: RecordId):
    """The plan file as it was uploaded (a download, never shown inline)."""
    reject_unknown_query(request)
    gathering = selectors.gathering_get(user=request.user, pk=pk)
    if not gathering.plan_file:
        raise not_found("pk")
    return plan_file_response(gathering)


def plan_file_response(gathering: Gathering) -> FileResponse:
    response = FileResponse(gathering.plan_file.open("rb"), as_attachment=True, filename=gathering.plan_file_name,
                            content_type=gathering.plan_file_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
