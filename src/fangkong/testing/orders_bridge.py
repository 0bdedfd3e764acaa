"""Everything mass testing needs of control, in one module.

Control is being split into apps (risk, arrivals, orders, gatherings): when it is, only the imports below
change. Testing asks control three things: put a recalled person under the order the policy in force gives to a
positive-pool member; which order, if any, is open for a person; and fill an open order's test day with a
single-tube result.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from fangkong.control.models import ControlOrder, ScheduledTest
from fangkong.control.services import order_from_facts, test_result_record
from fangkong.core.errors import InvalidInput
from fangkong.policy.engine import Facts
from fangkong.policy.selectors import active_profile

POSITIVE_POOL_CATEGORY = "positive_pool_member"
OPEN_ORDER_STATUSES = tuple(ControlOrder.OPEN)


def open_order_of(person_id: int) -> ControlOrder | None:
    return (ControlOrder.objects.filter(person_id=person_id, status__in=ControlOrder.OPEN)
            .order_by("-created_at").first())


def positive_pool_order(*, person, result_day: dt.date, responsible=None) -> int | None:
    """The order the profile in force gives a positive-pool member, starting the day the pool's result came
    (its category is anchored on an exposure; the day before the result stands for it). An open order of the
    same category is kept rather than doubled. None when the profile orders no measure for the category."""
    if POSITIVE_POOL_CATEGORY not in active_profile().categories:
        return None
    existing = ControlOrder.objects.filter(person_id=person.pk, status__in=ControlOrder.OPEN,
                                           category=POSITIVE_POOL_CATEGORY).first()
    if existing is not None:
        return existing.pk
    facts = Facts(id=f"person-{person.pk}", category=POSITIVE_POOL_CATEGORY,
                  last_exposure_date=result_day - dt.timedelta(days=1))
    try:
        order = order_from_facts(person=person, facts=facts, owner=responsible)
    except InvalidInput:
        return None
    return order.pk if order is not None else None


def fill_test_day(*, by, person_id: int, day: dt.date, positive: bool, at: dt.datetime) -> int | None:
    """A single-tube result fills the test day of the person's open order on the day it was sampled; returns the
    scheduled test's id, or None when no open order has a test that day."""
    test = (ScheduledTest.objects.select_related("order", "order__person")
            .filter(person_id=person_id, due_on=day, order__status__in=ControlOrder.OPEN,
                    status__in=(ScheduledTest.Status.DUE, ScheduledTest.Status.MISSED)).first())
    if test is None:
        return None
    test_result_record(by=by, test=test, positive=positive, at=at)
    return test.pk


def persons_under_open_orders() -> QuerySet:
    """Person ids under an open order (a campaign may target them: key groups)."""
    return ControlOrder.objects.filter(status__in=ControlOrder.OPEN).values("person_id")


def add_to_workers_day(name: str, rows) -> None:
    """A section of the grid worker's list of the day (control.selectors.register_day_section)."""
    from fangkong.control.selectors import register_day_section

    register_day_section(name, rows)
