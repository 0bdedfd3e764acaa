from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import AfterValidator, BeforeValidator

from fangkong.areas.api import area_by_any_code
from fangkong.core.api_support import (
    Body,
    Documented,
    MobilePhone,
    Page,
    RecordId,
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
from fangkong.gatherings import actions, selectors, services
from fangkong.gatherings.files import plan_file_response
from fangkong.gatherings.models import Gathering, GatheringKind, GatheringMeasure

router = Router(tags=["gatherings"])


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
    done = service(by=request.user, gathering=gathering, **kwargs)  # refusals: core.errors, answered by the API's handler
    return _gathering_out(request, selectors.gathering_get(user=request.user, pk=done.pk))


class GatheringQuery(Page):
    status: GatheringStatus | None = None
    area_code: str = Field("", pattern=r"^[0-9]{0,18}$", description="only events under this node (within your area)")


@router.get("/gatherings", response=responses({200: GatheringPage}))
def gathering_list(request, query: Query[GatheringQuery]):
    """Applications for events in your area, soonest first."""
    reject_unknown_query(request, GatheringQuery)
    qs = selectors.gatherings_for(user=request.user, status=query.status or "", area_code=query.area_code).order_by("starts_at", "pk")
    return page_of(qs, query, lambda g: _gathering_out(request, g, steps=False))


@router.post("/gatherings", response=responses({201: GatheringOut}), auth=allowed_to(actions.GATHERING_SUBMIT))
def gathering_submit(request, body: GatheringIn):
    """Apply for an event of more than 50 people; refused (422) with the reason for 50 or fewer or a risk area."""
    area = area_by_any_code(user=request.user, code=body.area_code)  # short or 12-digit national form
    data = body.dict(exclude={"area_code"})
    data["starts_at"], data["ends_at"] = _aware(body.starts_at), _aware(body.ends_at)
    gathering = services.gathering_submit(by=request.user, area=area, **data)
    return Status(201, _gathering_out(request, selectors.gathering_get(user=request.user, pk=gathering.pk)))


@router.get("/gatherings/pending", response=responses({200: GatheringPage}))
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


@router.get("/gatherings/calendar", response=responses({200: CalendarOut}))
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


@router.get("/gatherings/{pk}", response=responses({200: GatheringOut}))
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


@router.post("/gatherings/{pk}/approve", response=responses({200: GatheringOut}),
                     auth=allowed_to(actions.GATHERING_DECIDE))
def gathering_approve(request, pk: RecordId, body: DecisionIn):
    """Approve: the level above the event's area (or higher on its chain); refused while the area is at risk."""
    return _gathering_call(request, services.gathering_approve, selectors.gathering_get(user=request.user, pk=pk),
                           reason=body.reason)


@router.post("/gatherings/{pk}/reject", response=responses({200: GatheringOut}),
                     auth=allowed_to(actions.GATHERING_DECIDE))
def gathering_reject(request, pk: RecordId, body: ReasonIn):
    return _gathering_call(request, services.gathering_reject, selectors.gathering_get(user=request.user, pk=pk),
                           reason=body.reason)


@router.post("/gatherings/{pk}/withdraw", response=responses({200: GatheringOut}),
                     auth=allowed_to(actions.GATHERING_SUBMIT))
def gathering_withdraw(request, pk: RecordId, body: DecisionIn):
    """The applicant takes back an undecided application."""
    return _gathering_call(request, services.gathering_withdraw, selectors.gathering_get(user=request.user, pk=pk),
                           reason=body.reason)


@router.post("/gatherings/{pk}/cancel", response=responses({200: GatheringOut}),
                     auth=allowed_to(actions.GATHERING_SUBMIT, actions.GATHERING_CANCEL))
def gathering_cancel(request, pk: RecordId, body: ReasonIn):
    """Call off an approved event: the applicant or the deciders."""
    return _gathering_call(request, services.gathering_cancel, selectors.gathering_get(user=request.user, pk=pk),
                           reason=body.reason)


@router.post("/gatherings/{pk}/plan", response=responses({200: GatheringOut}),
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


@router.get("/gatherings/{pk}/plan", response=responses({}), openapi_extra=_PLAN_FILE_RESPONSE)
def gathering_plan_download(request, pk: RecordId):
    """The plan file as it was uploaded (a download, never shown inline)."""
    reject_unknown_query(request)
    gathering = selectors.gathering_get(user=request.user, pk=pk)
    if not gathering.plan_file:
        raise not_found("pk")
    return plan_file_response(gathering)
