"""`fangkong control scan`: the periodic pass that escalates overdue work; run by cron or with --every."""

import datetime as dt
import io
import json

from django.core.management import call_command

from fangkong.areas.models import Responsible
from fangkong.arrivals import services as arrivals_services
from fangkong.control.models import Escalation, ScheduledTest
from fangkong.people.services import household_create, person_register
from tests.conftest import make_id_number


def test_a_scan_marks_a_missed_test_escalates_it_and_a_second_scan_changes_nothing(tree, user_a):
    grid = tree["grid_a"]
    Responsible.objects.create(area=grid, area_code=grid.code, tier="grid_worker", name="王网格", phone="13900000001", user=user_a)
    household = household_create(user=user_a, area=grid, address="一号楼101")
    person = person_register(area=grid, household=household, name="李四", id_number=make_id_number(born="19850101", seq="211"))
    three_days_ago = dt.date.today() - dt.timedelta(days=3)
    arrivals_services.arrival_register(by=user_a, person=person, household=household, category="inbound", origin_name="境外",
                                       arrived_on=three_days_ago, registered_on=three_days_ago, source="manual")

    out = io.StringIO()
    call_command("control", "scan", "--json", stdout=out)
    first = json.loads(out.getvalue())
    assert first["missed_tests"] >= 1 and first["raised"] >= 1
    assert ScheduledTest.objects.filter(status="missed").count() == first["missed_tests"]
    assert Escalation.objects.filter(person=person, resolved_at__isnull=True).exists()

    out = io.StringIO()
    call_command("control", "scan", "--json", stdout=out)
    assert json.loads(out.getvalue())["missed_tests"] == 0
