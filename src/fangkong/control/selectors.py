"""Reads for control. The risk-area list is public (announced), so not scoped; everything about persons is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fangkong.core.scoping import get_scoped_or_404, scope

from .models import (
    RISK_ORDER,
    Arrival,
    CheckIn,
    ControlOrder,
    Escalation,
    HealthCode,
    OrderMeasure,
    RiskArea,
    ScheduledTest,
)
from .risk_rows import covering_codes


def risk_areas_in_force(*, on: dt.date) -> QuerySet[RiskArea]:
    return RiskArea.objects.filter(Q(lifted_on__isnull=True) | Q(lifted_on__gt=on), starts_on__lte=on)


@dataclass(frozen=True)
class RiskAnswer:
    level: str | None  # None: no risk level announced for the area on that day
    zone: str
    records: tuple[RiskArea, ...]

    def as_dict(self) -> dict:
        return {
            "level": self.level,
            "zone": self.zone or None,
            "records": [
                {"id": r.pk, "division_code": r.division_code, "region_name": r.region_name, "level": r.level,
                 "zone": r.zone or None, "starts_on": r.starts_on.isoformat(),
                 "lifted_on": r.lifted_on.isoformat() if r.lifted_on else None, "source": r.source}
                for r in self.records
            ],
        }


def risk_level_on(*, on: dt.date, code: str = "", name: str = "") -> RiskAnswer:
    """The level of an area on a day: the highest level in force for the node or any of its ancestors."""
    query = Q()
    if code:
        query |= Q(division_code__in=covering_codes(code))
    if name:
        query |= Q(division_code="", region_name=name.strip())
    if not query:
        return RiskAnswer(None, "", ())
    records = tuple(risk_areas_in_force(on=on).filter(query).order_by("starts_on"))
    if not records:
        return RiskAnswer(None, "", ())
    top = max(records, key=lambda r: (RISK_ORDER[r.level], len(r.division_code)))
    return RiskAnswer(top.level, top.zone, records)


# ---------------------------------------------------------------------------
# Orders, a grid worker's day, escalations, health codes (personal data: always scoped)
# ---------------------------------------------------------------------------


def orders_for(*, user, status: str | None = None) -> QuerySet[ControlOrder]:
    qs = scope(ControlOrder.objects.select_related("person", "owner"), user)
    if status == "open":
        qs = qs.filter(status__in=ControlOrder.OPEN)
    elif status:
        qs = qs.filter(status=status)
    return qs


def order_get(*, user, pk: int) -> ControlOrder:
    return get_scoped_or_404(ControlOrder.objects.select_related("person", "owner", "arrival"), user, pk=pk)


def scheduled_test_get(*, user, pk: int) -> ScheduledTest:
    return get_scoped_or_404(ScheduledTest.objects.select_related("order", "order__person"), user, pk=pk)


def escalation_get(*, user, pk: int) -> Escalation:
    return get_scoped_or_404(Escalation.objects.select_related("order", "person"), user, pk=pk)


def arrivals_for(*, user) -> QuerySet[Arrival]:
    return scope(Arrival.objects.select_related("person", "routed_to"), user)


@dataclass
class WorkerDay:
    """A grid worker's list for one morning: all of it in a handful of queries, whatever its size."""

    on: dt.date
    visits: list[ControlOrder]
    tests_due: list[ScheduledTest]
    checkins_missing: list[ControlOrder]
    tests_missed: list[ScheduledTest]
    new_arrivals: list[Arrival]

    @property
    def total(self) -> int:
        return len(self.visits) + len(self.tests_due) + len(self.checkins_missing) + len(self.tests_missed) + len(self.new_arrivals)


def worker_day(*, user, on: dt.date) -> WorkerDay:
    tz = timezone.get_default_timezone()
    in_force = orders_for(user=user, status="open").filter(starts_on__lte=on, ends_on__gte=on).order_by("person__name")
    in_force = list(in_force)
    start = dt.datetime.combine(on, dt.time(), tzinfo=tz)
    counts = dict(
        CheckIn.objects.filter(order__in=[o.pk for o in in_force], at__gte=start, at__lt=start + dt.timedelta(days=1))
        .values("order_id").annotate(n=Count("id")).values_list("order_id", "n")
    )
    tests = scope(ScheduledTest.objects.select_related("person", "order"), user).filter(order__status__in=ControlOrder.OPEN)
    return WorkerDay(
        on=on,
        visits=_home_orders(in_force, on),
        tests_due=list(tests.filter(due_on=on, status=ScheduledTest.Status.DUE).order_by("person__name")),
        checkins_missing=[o for o in in_force if counts.get(o.pk, 0) < o.checkins_per_day],
        tests_missed=list(tests.filter(Q(status=ScheduledTest.Status.MISSED) | Q(status=ScheduledTest.Status.DUE, due_on__lt=on))
                          .order_by("due_on")),
        new_arrivals=list(arrivals_for(user=user).filter(arrived_on__gte=on - dt.timedelta(days=1)).order_by("-reported_at")[:200]),
    )


def _home_orders(orders: list[ControlOrder], on: dt.date) -> list[ControlOrder]:
    home = set(
        OrderMeasure.objects.filter(order__in=[o.pk for o in orders], starts_on__lte=on, ends_on__gte=on,
                                    measure__in=["home_isolation", "home_health_monitoring"]).values_list("order_id", flat=True)
    )
    return [o for o in orders if o.pk in home]


def escalations_open(*, user) -> QuerySet[Escalation]:
    """What is overdue or alarming under the user's node, the most serious first."""
    return scope(Escalation.objects.select_related("person", "order"), user).filter(resolved_at__isnull=True).order_by("-level", "raised_at")


def health_code_by_token(token: str) -> HealthCode | None:
    """For verification (验码): unscoped by design, since a venue anywhere may scan anyone; it answers only a colour."""
    return HealthCode.objects.select_related("person").filter(token=token).first()


# ---------------------------------------------------------------------------
# Capability 8: gatherings (聚集性活动报批). Applications are scoped by the event's area.
# ---------------------------------------------------------------------------

import calendar  # noqa: E402 - kept with the capability's block so parallel branches merge cleanly

from django.db.models import Prefetch  # noqa: E402

from fangkong.core.access import log_access  # noqa: E402
from fangkong.core.crypto import unseal  # noqa: E402
from fangkong.core.scoping import subtree_q  # noqa: E402

from . import gathering_rules  # noqa: E402
from .models import Gathering, GatheringStep, RiskLevel, Zone  # noqa: E402

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
    if getattr(user, "role", "") not in gathering_rules.APPROVER_ROLES or not user.area_code:
        return qs.none()
    return qs.filter(subtree_q(user.area_code, "approver_code")).order_by("starts_at", "pk")


def gathering_actions(*, user, gathering: Gathering) -> set[str]:
    """What the user may do with the application now: approve, reject, withdraw, cancel (the services check again)."""
    decider = gathering_rules.may_decide(role=getattr(user, "role", ""), user_area_code=user.area_code,
                                         decided_at=gathering.approver_code, is_superuser=user.is_superuser)
    own = gathering.submitted_by_id is not None and gathering.submitted_by_id == user.pk
    actions: set[str] = set()
    if gathering.status == Gathering.Status.SUBMITTED:
        if decider and not own:
            actions |= {"approve", "reject"}
        if own or user.is_superuser:
            actions.add("withdraw")
    elif gathering.status == Gathering.Status.APPROVED and gathering.ends_at > timezone.now() and (decider or own):
        actions.add("cancel")
    return actions


def gathering_may_see_phone(*, user, gathering: Gathering) -> bool:
    """The applicant, the deciders (who call the organiser) and roles that need full values."""
    return bool(
        user.sees_unmasked or gathering.submitted_by_id == user.pk
        or gathering_rules.may_decide(role=getattr(user, "role", ""), user_area_code=user.area_code,
                                      decided_at=gathering.approver_code, is_superuser=user.is_superuser)
    )


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
        day, last = gathering_rules.event_days(event.starts_at, event.ends_at, tz)
        day, last = max(day, first), min(last, after - dt.timedelta(days=1))
        while day <= last:
            by_day.setdefault(day, []).append(event)
            day += dt.timedelta(days=1)
    weeks = [
        [CalendarDay(d, d.month == month, by_day.get(d, [])) for d in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    return GatheringMonth(first=first, weeks=weeks, area_code=area_code)
