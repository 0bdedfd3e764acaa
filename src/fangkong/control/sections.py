"""The control section of a person's page: their orders, open and past, with measures, test days and results,
the latest check-ins and open escalations, and what the user may do about them (people.sections)."""

from __future__ import annotations

from django.db.models import Prefetch

from fangkong.control import actions, selectors
from fangkong.control.models import CheckIn, Escalation, ScheduledTest
from fangkong.core.clock import today
from fangkong.core.permissions import may


def orders_section(*, user, person) -> dict | None:
    orders = list(
        selectors.orders_for(user=user).filter(person=person).select_related("owner").prefetch_related(
            "measures", Prefetch("tests", queryset=ScheduledTest.objects.order_by("due_on")))
        .order_by("-starts_on", "-pk")[:20]
    )
    if not orders:
        return None
    escalations = list(Escalation.objects.filter(order__in=orders, resolved_at__isnull=True).order_by("-level", "raised_at"))
    checkins = list(CheckIn.objects.filter(order__in=orders).order_by("-at")[:10])
    return {
        "open": [o for o in orders if o.is_open or o.status == "hospital"],
        "past": [o for o in orders if not (o.is_open or o.status == "hospital")],
        "escalations": escalations, "checkins": checkins, "today": today(),
        "may_record_result": may(user, actions.TEST_RESULT_RECORD, person.area_code),
        "may_check_in": may(user, actions.CHECKIN_RECORD, person.area_code),
    }
