"""Control's contribution to health-code colours (a status provider, registered in ControlConfig.ready).

The statuses: the category of every order that colours (open, or taken to hospital), `confirmed` for a
positive test of such an order, and `overdue_test` for a test of an open order whose day plus the
profile's grace period has passed without a result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

from fangkong.control.models import ControlOrder, ScheduledTest
from fangkong.healthcodes.providers import Moment
from fangkong.policy.profile import Profile

OVERDUE = (ScheduledTest.Status.DUE, ScheduledTest.Status.MISSED)


def overdue_before(profile: Profile, now: dt.datetime) -> dt.date:
    """A test without a result is overdue if due before this day: the end of its day plus the grace period passed."""
    grace = dt.timedelta(hours=profile.escalation.missed_test_grace_hours)
    return (now - grace).astimezone(timezone.get_default_timezone()).date()


class OrderStatuses:
    name = "control_orders"

    def statuses_of(self, person_ids: Sequence[int], moment: Moment):
        orders = ControlOrder.objects.filter(person_id__in=person_ids, status__in=ControlOrder.COLOURING)
        yield from orders.values_list("person_id", "category").distinct()
        positives = ScheduledTest.objects.filter(person_id__in=person_ids, status=ScheduledTest.Status.POSITIVE,
                                                 order__status__in=ControlOrder.COLOURING)
        for person_id in positives.values_list("person_id", flat=True).distinct():
            yield person_id, "confirmed"
        overdue = ScheduledTest.objects.filter(person_id__in=person_ids, status__in=OVERDUE,
                                               order__status__in=ControlOrder.OPEN,
                                               due_on__lt=overdue_before(moment.profile, moment.now))
        for person_id in overdue.values_list("person_id", flat=True).distinct():
            yield person_id, "overdue_test"

    def statuses_sql(self, moment: Moment) -> tuple[str, list]:
        quote = connection.ops.quote_name
        orders, tests = quote(ControlOrder._meta.db_table), quote(ScheduledTest._meta.db_table)
        return (
            f"SELECT o.person_id, o.category::text AS status FROM {orders} o WHERE o.status = ANY(%s) "  # noqa: S608
            f"UNION ALL SELECT t.person_id, 'confirmed' FROM {tests} t JOIN {orders} o ON o.id = t.order_id "
            "  WHERE o.status = ANY(%s) AND t.status = %s "
            f"UNION ALL SELECT t.person_id, 'overdue_test' FROM {tests} t JOIN {orders} o ON o.id = t.order_id "
            "  WHERE o.status = ANY(%s) AND t.status = ANY(%s) AND t.due_on < %s",
            [list(ControlOrder.COLOURING), list(ControlOrder.COLOURING), ScheduledTest.Status.POSITIVE,
             list(ControlOrder.OPEN), list(OVERDUE), overdue_before(moment.profile, moment.now)],
        )
