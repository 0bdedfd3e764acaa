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
# Arrivals imports (协查 lists and sheets, issue 4 capability 2): batches, scoped by the batch's area
# ---------------------------------------------------------------------------

ARRIVAL_IMPORT_KINDS = ("xiecha", "arrival_sheet")


def arrival_batches(*, user) -> QuerySet:
    from fangkong.people.models import ImportBatch

    return scope(ImportBatch.objects.filter(kind__in=ARRIVAL_IMPORT_KINDS), user)


def arrival_batch_get(*, user, pk: int):
    from fangkong.people.models import ImportBatch

    return get_scoped_or_404(ImportBatch.objects.filter(kind__in=ARRIVAL_IMPORT_KINDS), user, pk=pk)
