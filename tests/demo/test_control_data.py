"""The demo's key-population control data: a demo login meets a living system."""

from __future__ import annotations

import pytest
from django.test import override_settings

from fangkong.arrivals.models import Arrival
from fangkong.control import selectors
from fangkong.control.models import ControlOrder, Escalation, ScheduledTest
from fangkong.core.clock import today
from fangkong.core.models import User
from fangkong.demo import control_data
from fangkong.gatherings import selectors as gatherings_selectors
from fangkong.gatherings.models import Gathering
from fangkong.healthcodes.models import HealthCode
from fangkong.risk import selectors as risk_selectors
from fangkong.risk.models import RiskArea

from .test_build import remove_everything, run_demo

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    """One small city (2,400 people: one arrival elsewhere besides the demo grid's own) for this module."""
    with django_db_blocker.unblock():
        try:
            with override_settings(DEBUG=True, PASSWORD_HASHERS=FAST_HASHER):
                yield run_demo("--people", "2400", "--seed", "11")
        finally:
            remove_everything()


@pytest.fixture
def built(city, db, settings):
    settings.PASSWORD_HASHERS = FAST_HASHER
    return city


def arrivals_digest() -> list[tuple]:
    return sorted(Arrival.objects.values_list("person__name", "origin_name", "arrived_on", "category", "source"))


def test_the_demo_grid_workers_today_list_is_not_empty(built, client):
    worker = User.objects.get(username="demo-grid")
    day = selectors.worker_day(user=worker, on=today())
    assert day.total > 0
    assert day.tests_due and day.new_arrivals and day.visits
    client.force_login(worker)
    page = client.get("/control/today/").content.decode()
    assert day.tests_due[0].person.name in page


def test_the_escalations_page_shows_the_fever_and_the_missed_test_up_the_chain(built, client):
    worker = User.objects.get(username="demo-grid")
    open_ = list(selectors.escalations_open(user=worker))
    kinds = {e.kind: e for e in open_}
    assert set(kinds) >= {"fever", "missed_test"}
    assert kinds["missed_test"].level >= 2  # passed above the village cadre
    assert kinds["fever"].order.status == ControlOrder.Status.ESCALATED
    client.force_login(worker)
    page = client.get("/control/escalations/").content.decode()
    assert kinds["fever"].person.name in page and "Nothing overdue." not in page
    township = User.objects.get(username="demo-township")
    assert {e.pk for e in selectors.escalations_open(user=township)} >= {e.pk for e in open_}


def test_arrivals_are_recent_have_orders_from_the_active_profile_and_results(built):
    first = today().toordinal() - 13
    assert all(first <= a.arrived_on.toordinal() <= today().toordinal() for a in Arrival.objects.all())
    assert Arrival.objects.filter(area_code__startswith=User.objects.get(username="demo-grid").area_code).count() == 6
    orders = ControlOrder.objects.all()
    assert orders.exists() and set(orders.values_list("profile_name", flat=True)) == {"national-9th-2022"}
    assert ScheduledTest.objects.filter(status="negative").exists()
    assert ScheduledTest.objects.filter(status="due", due_on__lt=today()).count() == 0  # only the one missed test is late
    assert ScheduledTest.objects.filter(status="missed").count() == 1
    assert HealthCode.objects.filter(colour="yellow").exists()


def test_there_are_risk_areas_inside_and_outside_the_city(built):
    codes = list(RiskArea.objects.filter(source=control_data.DEMO_SOURCE).values_list("division_code", flat=True))
    assert any(c.startswith("4114") for c in codes) and any(not c.startswith("41") for c in codes)
    assert risk_selectors.risk_level_on(on=today(), code="310115").level == "high"


def test_gathering_applications_wait_for_the_township_and_the_district_and_some_are_approved(built):
    statuses = set(Gathering.objects.values_list("status", flat=True))
    assert {"submitted", "approved", "rejected"} <= statuses
    assert gatherings_selectors.gatherings_pending(user=User.objects.get(username="demo-township")).exists()
    assert gatherings_selectors.gatherings_pending(user=User.objects.get(username="demo-district")).exists()
    approved = Gathering.objects.filter(status="approved").first()
    assert [s.status for s in approved.steps.all()] == ["submitted", "approved"]


def test_the_same_seed_gives_the_same_control_data(built):
    before = (arrivals_digest(), sorted(Gathering.objects.values_list("title", "status", "expected_attendance")),
              Escalation.objects.filter(resolved_at__isnull=True).count())
    run_demo("--people", "2400", "--seed", "11", "--replace")
    after = (arrivals_digest(), sorted(Gathering.objects.values_list("title", "status", "expected_attendance")),
             Escalation.objects.filter(resolved_at__isnull=True).count())
    assert after == before
    assert len(before[0]) == 6 + 1  # the demo grid's six and one per 2,000 persons



def test_every_health_code_is_what_a_refresh_would_make_it(built):
    from fangkong.healthcodes.services import person_statuses
    from fangkong.policy.health import colour_for
    from fangkong.policy.selectors import active_profile

    codes = list(HealthCode.objects.select_related("person"))
    assert codes
    for code in codes:
        expected = colour_for(active_profile(), person_statuses(code.person))
        assert (code.colour, code.reasons) == (expected.colour, list(expected.reasons)), code.person_id
    assert {c.colour for c in codes} >= {"yellow", "green"}  # under control, and released
