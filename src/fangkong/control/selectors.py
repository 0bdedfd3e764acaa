"""Reads for control. The risk-area list is public (announced), so not scoped; everything about persons is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from fangkong.control.models import (
    CheckIn,
    CheckinLink,
    ControlOrder,
    Escalation,
    OrderMeasure,
    ScheduledTest,
)
from fangkong.control.public_tokens import parse_checkin_token
from fangkong.core.scoping import get_scoped_or_404, scope
from fangkong.policy.selectors import active_profile

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


@dataclass
class WorkerDay:
    """A grid worker's list for one morning: all of it in a handful of queries, whatever its size."""

    on: dt.date
    visits: list[ControlOrder]
    tests_due: list[ScheduledTest]
    checkins_missing: list[ControlOrder]
    tests_missed: list[ScheduledTest]
    sections: dict[str, list] = field(default_factory=dict)  # what other apps add (register_day_section)

    @property
    def new_arrivals(self) -> list:
        return self.sections.get("new_arrivals", [])

    @property
    def recalls(self) -> list:
        return self.sections.get("recalls", [])

    @property
    def total(self) -> int:
        own = len(self.visits) + len(self.tests_due) + len(self.checkins_missing) + len(self.tests_missed)
        return own + sum(len(rows) for rows in self.sections.values())


# Sections that other apps add to a worker's day (arrivals: the new arrivals; next, testing: recalls), so that
# control imports none of them. Each is called with the user and the day and returns that section's rows.
_DAY_SECTIONS: dict[str, Callable] = {}


def register_day_section(name: str, rows: Callable) -> None:
    _DAY_SECTIONS[name] = rows


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
        sections={name: rows(user=user, on=on) for name, rows in _DAY_SECTIONS.items()},
    )


def _home_orders(orders: list[ControlOrder], on: dt.date) -> list[ControlOrder]:
    home = set(
        OrderMeasure.objects.filter(order__in=[o.pk for o in orders], starts_on__lte=on, ends_on__gte=on,
                                    measure__in=active_profile().home_visits.measures).values_list("order_id", flat=True)
    )
    return [o for o in orders if o.pk in home]


def escalations_open(*, user) -> QuerySet[Escalation]:
    """What is overdue or alarming under the user's node, the most serious first."""
    return scope(Escalation.objects.select_related("person", "order"), user).filter(resolved_at__isnull=True).order_by("-level", "raised_at")


def profile_in_force():
    """The latest profile switch (policy.selectors.profile_in_force)."""
    from fangkong.policy.selectors import profile_in_force as latest

    return latest()


def checkin_link_active(*, order: ControlOrder) -> CheckinLink | None:
    return order.checkin_links.filter(revoked_at__isnull=True, expires_at__gt=timezone.now()).first()


def checkin_link_from_token(token: str) -> CheckinLink | None:
    """The link a personal token names (any state). Public: the signed token with its nonce is the credential."""
    import hmac

    ref = parse_checkin_token(token)
    if ref is None:
        return None
    link = CheckinLink.objects.select_related("order", "order__person").filter(pk=ref.link_id).first()
    if link is None or not hmac.compare_digest(link.nonce, ref.nonce):
        return None
    return link


@dataclass
class SelfCheckinStatus:
    """All the personal link shows: a masked name and today's status."""

    masked_name: str
    done_today: int
    required_per_day: int
    test_due_today: bool
    last_at: dt.datetime | None


def self_checkin_status(*, link: CheckinLink, on: dt.date) -> SelfCheckinStatus:
    from fangkong.core.masking import mask_name

    order = link.order
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(on, dt.time(), tzinfo=tz)
    today_checkins = order.checkins.filter(at__gte=start, at__lt=start + dt.timedelta(days=1))
    return SelfCheckinStatus(
        masked_name=mask_name(order.person.name),
        done_today=today_checkins.count(),
        required_per_day=order.checkins_per_day,
        test_due_today=order.tests.filter(due_on=on, status=ScheduledTest.Status.DUE).exists(),
        last_at=today_checkins.order_by("-at").values_list("at", flat=True).first(),
    )



# --- The CDC's and the commander's list of everyone under an order (issue 12 §4) --------------------------------

ORDER_FILTERS = ("status", "measure", "category", "colour", "area", "overdue", "arrived_from", "arrived_to")


@dataclass(frozen=True)
class OrderFilter:
    status: str = "open"  # "open", "all", or one status
    measure: str = ""
    category: str = ""
    colour: str = ""
    area: str = ""
    overdue: bool = False
    arrived_from: dt.date | None = None
    arrived_to: dt.date | None = None

    def describe(self) -> str:
        """For the access log of an export: which filter the rows left under."""
        return " ".join(f"{k}={v}" for k, v in vars(self).items() if v not in ("", None, False))


def orders_filtered(*, user, f: OrderFilter, on: dt.date) -> QuerySet[ControlOrder]:
    """Orders in the user's area under the filter, ordered for paging on the database (newest first)."""
    from fangkong.core.scoping import subtree_q

    qs = orders_for(user=user)
    if f.status == "open":
        qs = qs.filter(status__in=ControlOrder.OPEN)
    elif f.status and f.status != "all":
        qs = qs.filter(status=f.status)
    if f.measure:
        qs = qs.filter(Exists(OrderMeasure.objects.filter(order=OuterRef("pk"), measure=f.measure)))
    if f.category:
        qs = qs.filter(category=f.category)
    if f.colour:
        qs = qs.filter(person__health_code__colour=f.colour)
    if f.area:
        qs = qs.filter(subtree_q(f.area))
    if f.overdue:
        late = Q(status=ScheduledTest.Status.MISSED) | Q(status=ScheduledTest.Status.DUE, due_on__lt=on)
        qs = qs.filter(Exists(ScheduledTest.objects.filter(late, order=OuterRef("pk"))))
    if f.arrived_from:
        qs = qs.filter(arrival__arrived_on__gte=f.arrived_from)
    if f.arrived_to:
        qs = qs.filter(arrival__arrived_on__lte=f.arrived_to)
    return qs.select_related("person", "owner", "arrival").order_by("-starts_on", "-pk")
