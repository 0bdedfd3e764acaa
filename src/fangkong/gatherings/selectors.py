"""Reads for gatherings (聚集性活动报批): applications are scoped by the event's area."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from fangkong.core.access import log_access
from fangkong.core.crypto import unseal
from fangkong.core.permissions import role_allows
from fangkong.core.scoping import get_scoped_or_404, scope, subtree_q
from fangkong.gatherings import rules
from fangkong.gatherings.models import Gathering, GatheringStep
from fangkong.risk.models import RiskArea, RiskLevel, Zone
from fangkong.risk.rows import covering_codes

GATHERING_BLOCKING_LEVELS = (RiskLevel.HIGH, RiskLevel.MEDIUM)
GATHERING_BLOCKING_ZONES = (Zone.SEALED, Zone.CONTROLLED)


def gathering_risk_blocks(*, area_code: str, first_day: dt.date, last_day: dt.date) -> list[RiskArea]:
    """Risk-area records that forbid a gathering in `area_code` on some day from first_day to last_day.

    A record applies to its node and everything under it, on the days from its start up to the day
    before it is lifted (as risk_level_on reads it); a high or medium level, or a sealed or controlled
    zone, forbids gatherings.
    """
    return list(
        RiskArea.objects.filter(division_code__in=covering_codes(area_code), starts_on__lte=last_day)
        .filter(Q(lifted_on__isnull=True) | Q(lifted_on__gt=first_day))
        .filter(Q(level__in=GATHERING_BLOCKING_LEVELS) | Q(zone__in=GATHERING_BLOCKING_ZONES))
        .order_by("starts_on", "division_code")
    )


def gatherings_for(*, user, status: str = "", area_code: str = "") -> QuerySet[Gathering]:
    """Applications for events in the user's subtree, optionally of one status and under one node."""
    qs = scope(Gathering.objects.select_related("area", "submitted_by"), user)
    if status:
        qs = qs.filter(status=status)
    if area_code:
        qs = qs.filter(subtree_q(area_code))
    return qs


def gathering_get(*, user, pk: int) -> Gathering:
    qs = Gathering.objects.select_related("area", "submitted_by", "decided_by").prefetch_related(
        Prefetch("steps", queryset=GatheringStep.objects.select_related("by"))
    )
    return get_scoped_or_404(qs, user, pk=pk)


def gatherings_pending(*, user) -> QuerySet[Gathering]:
    """Submitted applications this user may decide: events below the user's node, decided at it or under it."""
    qs = gatherings_for(user=user, status=Gathering.Status.SUBMITTED)
    if getattr(user, "is_superuser", False):
        return qs.order_by("starts_at", "pk")
    if not role_allows(user, "control.gathering.decide") or not user.area_code:
        return qs.none()
    return qs.filter(subtree_q(user.area_code, "approver_code")).order_by("starts_at", "pk")


def gathering_actions(*, user, gathering: Gathering) -> set[str]:
    """What the user may do with the application now: approve, reject, withdraw, cancel (the services check again)."""
    decider = _decides(user, gathering)
    own = gathering.submitted_by_id is not None and gathering.submitted_by_id == user.pk
    actions: set[str] = set()
    if gathering.status == Gathering.Status.SUBMITTED:
        if decider and not own:
            actions |= {"approve", "reject"}
        if own or user.is_superuser:
            actions.add("withdraw")
    elif gathering.status == Gathering.Status.APPROVED and gathering.ends_at > timezone.now() and (
            (decider and role_allows(user, "control.gathering.cancel")) or own):
        actions.add("cancel")
    return actions


def gathering_may_see_phone(*, user, gathering: Gathering) -> bool:
    """The applicant, the deciders (who call the organiser) and roles that need full values."""
    return bool(
        user.sees_unmasked or gathering.submitted_by_id == user.pk
        or _decides(user, gathering)
    )


def _decides(user, gathering: Gathering) -> bool:
    """The user's role decides applications (the permission policy) and stands where this one is decided."""
    return role_allows(user, "control.gathering.decide") and rules.may_decide(
        user_area_code=user.area_code, decided_at=gathering.approver_code, is_superuser=user.is_superuser)


def gathering_contact_phone(*, user, gathering: Gathering, reason: str, request=None) -> str:
    """The contact phone in full for those who may see it, written to the access log; masked for anyone else."""
    if not gathering_may_see_phone(user=user, gathering=gathering) or not gathering.contact_phone_sealed:
        return gathering.contact_phone_masked
    log_access(user=user, action="view_unmasked", object_type="gathering", object_id=str(gathering.pk),
               fields="contact_phone", reason=reason, request=request)
    return unseal(gathering.contact_phone_sealed)


@dataclass
class CalendarDay:
    day: dt.date
    in_month: bool
    events: list[Gathering]


@dataclass
class GatheringMonth:
    """Approved events of one month: weeks of seven days (Monday first) and the days that have events."""

    first: dt.date
    weeks: list[list[CalendarDay]]
    area_code: str

    @property
    def busy_days(self) -> list[CalendarDay]:
        return [d for week in self.weeks for d in week if d.in_month and d.events]

    @property
    def previous(self) -> dt.date:
        return (self.first - dt.timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> dt.date:
        return (self.first + dt.timedelta(days=32)).replace(day=1)

    @property
    def count(self) -> int:
        return len({e.pk for d in self.busy_days for e in d.events})


GATHERING_CALENDAR_CAP = 2000  # a month's approved events shown at once; more is a list, not a calendar


def gathering_calendar(*, user, year: int, month: int, area_code: str = "") -> GatheringMonth:
    """Approved events under the user's node (or under `area_code` within it) that touch the month."""
    tz = timezone.get_default_timezone()
    first = dt.date(year, month, 1)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    start = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(after, dt.time(), tzinfo=tz)
    events = list(
        gatherings_for(user=user, status=Gathering.Status.APPROVED, area_code=area_code)
        .filter(starts_at__lt=end, ends_at__gt=start).order_by("starts_at", "pk")[:GATHERING_CALENDAR_CAP]
    )
    by_day: dict[dt.date, list[Gathering]] = {}
    for event in events:
        day, last = rules.event_days(event.starts_at, event.ends_at, tz)
        day, last = max(day, first), min(last, after - dt.timedelta(days=1))
        while day <= last:
            by_day.setdefault(day, []).append(event)
            day += dt.timedelta(days=1)
    weeks = [
        [CalendarDay(d, d.month == month, by_day.get(d, [])) for d in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    return GatheringMonth(first=first, weeks=weeks, area_code=area_code)
