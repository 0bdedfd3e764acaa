from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool, StringConstraints

from fangkong.control import actions, selectors, services
from fangkong.core.api_support import (
    ApiError,
    Body,
    RecordId,
    Temperature,
    Text,
    allowed_to,
    invalid,
    reject_unknown_query,
    responses,
)
from fangkong.core.clock import today
from fangkong.core.errors import AlreadyDone
from fangkong.policy.api import ProfileName
from fangkong.policy.profile import shipped_profiles

control_router = Router(tags=["control"])





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
    checkin = services.checkin_record(by=request.user, order=order, temperature=body.temperature,
                                      symptoms=body.symptoms, note=body.note)
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
    order = services.order_transfer_to_hospital(by=request.user, order=order, reason=body.reason)
    return _order_out(order)


@control_router.post("/orders/{pk}/hospital/admit", response=responses({200: OrderOut}),
                     auth=allowed_to(actions.HOSPITAL_ADMIT), summary="The hospital takes the person over")
def order_hospital_admit(request, pk: RecordId):
    order = selectors.order_get(user=request.user, pk=pk)
    order = services.order_hospital_admit(by=request.user, order=order)
    return _order_out(order)


@control_router.post("/orders/{pk}/hospital/discharge", response=responses({200: OrderOut}),
                     auth=allowed_to(actions.HOSPITAL_DISCHARGE), summary="The hospital discharges the person")
def order_hospital_discharge(request, pk: RecordId, body: DischargeIn):
    order = selectors.order_get(user=request.user, pk=pk)
    order = services.order_hospital_discharge(by=request.user, order=order, note=body.note)
    return _order_out(order)


class ReleaseIn(Schema):
    # Release conditions of the order's rule that the platform cannot check, confirmed by the caller by name
    # (e.g. linked_close_contact_first_two_tests_negative); recorded in the audit event.
    confirmed: list[Annotated[str, StringConstraints(max_length=80)]] = Field(default_factory=list, max_length=10)


@control_router.post("/orders/{pk}/release", response=responses({200: OrderOut}), auth=allowed_to(actions.ORDER_RELEASE))
def order_release(request, pk: RecordId, body: ReleaseIn | None = None):
    order = selectors.order_get(user=request.user, pk=pk)
    services.order_release(by=request.user, order=order, confirmed=body.confirmed if body else ())
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
    except AlreadyDone as exc:
        raise ApiError(409, _("conflict"), [("escalation", exc.message)]) from exc



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
    changes, applied = services.profile_switch(by=request.user, name=body.name, apply=body.apply,
                                               details=SWITCH_DETAILS)
    return {"name": body.name, "applied": applied is not None, "changed_orders": changes.total,
            "changes": [] if applied is not None else [vars(c) for c in changes]}


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

    from fangkong.control.public_tokens import checkin_token, public_url

    order = selectors.order_get(user=request.user, pk=pk)
    link = services.checkin_link_issue(by=request.user, order=order)
    url = public_url(request, reverse("public:checkin", args=[checkin_token(link.pk, link.nonce)]))
    return Status(201, {"id": link.pk, "url": url, "expires_at": link.expires_at})


@control_router.post("/orders/{pk}/checkin-link/revoke", response=responses({204: None}),
                     auth=allowed_to(actions.CHECKIN_LINK_MANAGE))
def checkin_link_revoke(request, pk: RecordId):
    """The order's personal link stops working at once."""
    order = selectors.order_get(user=request.user, pk=pk)
    link = selectors.checkin_link_active(order=order)
    if link is not None:
        services.checkin_link_revoke(by=request.user, link=link)
    return Status(204, None)
