import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from fangkong.areas.models import Responsible
from fangkong.arrivals import services as arrivals_services
from fangkong.control import selectors, services
from fangkong.control.models import ControlOrder, Escalation, ScheduledTest
from fangkong.core.errors import InvalidInput
from fangkong.healthcodes.models import HealthCode
from fangkong.people.services import household_create, person_register
from fangkong.risk.models import RiskArea
from tests.conftest import make_id_number

TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def setting(tree, user_a):
    grid = tree["grid_a"]
    worker = Responsible.objects.create(area=grid, area_code=grid.code, tier="grid_worker", name="王网格", phone="13900000001", user=user_a)
    household = household_create(user=user_a, area=grid, address="一号楼101")
    person = person_register(area=grid, household=household, name="李四", id_number=make_id_number(born="19850101", seq="211"))
    RiskArea.objects.create(division_code="110105", region_name="北京市朝阳区", level="medium", starts_on=TODAY - dt.timedelta(days=10))
    RiskArea.objects.create(division_code="310115", region_name="上海市浦东新区", level="high", starts_on=TODAY - dt.timedelta(days=10))
    return {"grid": grid, "worker": worker, "household": household, "person": person}


def arrive(setting, user, origin_code="110105", origin_name="北京市朝阳区", days_ago=0, category="risk_area_arrival", **extra):
    # Registered the day they arrived, as the tests that let time pass need (a late registration: below).
    extra.setdefault("registered_on", TODAY - dt.timedelta(days=days_ago))
    return arrivals_services.arrival_register(
        by=user, person=setting["person"], household=setting["household"], category=category, origin_code=origin_code,
        origin_name=origin_name, arrived_on=TODAY - dt.timedelta(days=days_ago), source="manual", **extra,
    )


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr(services, "local_today", lambda: TODAY)
    monkeypatch.setattr(arrivals_services, "local_today", lambda: TODAY)


def test_an_arrival_from_a_medium_risk_area_gets_home_isolation_and_goes_to_the_grid_worker(setting, user_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        arrival = arrive(setting, user_a)
    assert arrival.origin_risk == "medium"
    assert arrival.routed_to == setting["worker"] and arrival.routed_at is not None
    order = arrival.orders.get()
    assert order.owner == setting["worker"]
    assert [(m.measure, m.starts_on, m.ends_on) for m in order.measures.all()] == [("home_isolation", TODAY, TODAY + dt.timedelta(days=6))]
    assert [t.due_on for t in order.tests.all()] == [TODAY, TODAY + dt.timedelta(days=3), TODAY + dt.timedelta(days=6)]
    assert "medium-risk-arrival" in order.explanation
    assert HealthCode.objects.get(person=setting["person"]).colour == "yellow"


def test_an_arrival_dated_in_the_future_is_refused_and_nothing_is_written(setting, user_a):
    with pytest.raises(InvalidInput) as info:
        arrive(setting, user_a, days_ago=-2)
    assert "arrived_on" in info.value.errors
    assert not ControlOrder.objects.exists()


def test_a_user_of_another_area_cannot_register_an_arrival_there(setting, user_b):
    with pytest.raises(InvalidInput) as info:
        arrive(setting, user_b)
    assert info.value.errors == {"destination": "outside your area"}


def test_a_checkin_of_55_degrees_is_refused_naming_the_field(setting, user_a):
    order = arrive(setting, user_a).orders.get()
    with pytest.raises(InvalidInput) as info:
        services.checkin_record(by=user_a, order=order, temperature=55)
    assert "temperature" in info.value.errors
    assert not order.checkins.exists()


def test_a_fever_escalates_at_once(setting, user_a):
    order = arrive(setting, user_a).orders.get()
    services.checkin_record(by=user_a, order=order, temperature="38.2", symptoms=["cough"])
    order.refresh_from_db()
    assert order.status == ControlOrder.Status.ESCALATED
    (escalation,) = Escalation.objects.filter(order=order)
    assert escalation.kind == "fever" and "38.2" in escalation.detail


def test_a_normal_checkin_moves_the_order_in_progress(setting, user_a):
    order = arrive(setting, user_a).orders.get()
    services.checkin_record(by=user_a, order=order, temperature=36.5)
    order.refresh_from_db()
    assert order.status == ControlOrder.Status.IN_PROGRESS


def test_a_worker_of_another_area_cannot_check_in_the_order(setting, user_a, user_b):
    order = arrive(setting, user_a).orders.get()
    with pytest.raises(Http404):
        services.checkin_record(by=user_b, order=order, temperature=36.5)


def test_a_positive_result_turns_the_code_red_and_goes_to_the_county(setting, user_a, django_capture_on_commit_callbacks):
    order = arrive(setting, user_a).orders.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.test_result_record(by=user_a, test=order.tests.first(), positive=True)
    assert HealthCode.objects.get(person=setting["person"]).colour == "red"
    assert Escalation.objects.get(order=order, kind="positive").level == 3


def test_the_order_is_released_when_the_schedule_is_complete_and_negative(setting, user_a, django_capture_on_commit_callbacks):
    order = arrive(setting, user_a, days_ago=8).orders.get()
    with pytest.raises(InvalidInput) as info:
        services.order_release(by=user_a, order=order, on=TODAY)
    assert "tests" in info.value.errors
    for test in order.tests.all():
        services.test_result_record(by=user_a, test=test, positive=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.orders_release_due(on=TODAY) == 1
    order.refresh_from_db()
    assert order.status == ControlOrder.Status.RELEASED
    assert HealthCode.objects.get(person=setting["person"]).colour == "green"


def test_a_missed_test_escalates_up_the_chain_as_it_ages(setting, user_a):
    order = arrive(setting, user_a, days_ago=1).orders.get()
    tz = timezone.get_default_timezone()
    # Day-1 test was due yesterday: missed after midnight + 6 h grace; township after 12 h more, county after 24 h.
    morning = dt.datetime.combine(TODAY, dt.time(7, 0), tzinfo=tz)
    counts = services.overdue_scan(now=morning)
    assert counts["missed_tests"] == 1
    missed = Escalation.objects.get(order=order, kind="missed_test")
    assert missed.level == 1
    assert order.tests.get(due_on=TODAY - dt.timedelta(days=1)).status == ScheduledTest.Status.MISSED
    assert HealthCode.objects.get(person=setting["person"]).colour == "yellow"
    services.overdue_scan(now=morning + dt.timedelta(hours=12))
    missed.refresh_from_db()
    assert missed.level == 2
    services.overdue_scan(now=morning + dt.timedelta(hours=24))
    missed.refresh_from_db()
    assert missed.level == 3
    assert Escalation.objects.filter(order=order, kind="missed_test").count() == 1  # raised, not repeated


def test_a_missed_checkin_is_raised_and_lifted_when_one_arrives(setting, user_a):
    order = arrive(setting, user_a, days_ago=2).orders.get()
    tz = timezone.get_default_timezone()
    now = dt.datetime.combine(TODAY, dt.time(9, 0), tzinfo=tz)
    services.overdue_scan(now=now)
    escalation = Escalation.objects.get(order=order, kind="missed_checkin")
    assert escalation.resolved_at is None
    checkin = services.checkin_record(by=user_a, order=order, temperature=36.6)
    # On the test's day, not the machine's: a real "now" fell after the order's end once that day passed.
    type(checkin).objects.filter(pk=checkin.pk).update(at=now + dt.timedelta(hours=1))
    services.overdue_scan(now=now + dt.timedelta(hours=2))
    escalation.refresh_from_db()
    assert escalation.resolved_at is not None


def test_the_grid_workers_day_lists_visits_tests_and_missing_checkins(setting, user_a, user_b):
    arrive(setting, user_a)
    day = selectors.worker_day(user=user_a, on=TODAY)
    assert [o.person.name for o in day.visits] == ["李四"]
    assert [t.due_on for t in day.tests_due] == [TODAY]
    assert len(day.checkins_missing) == 1
    assert len(day.new_arrivals) == 1
    assert selectors.worker_day(user=user_b, on=TODAY).total == 0


def test_a_high_risk_arrival_under_the_2021_profile_goes_to_centralized_isolation(setting, user_a):
    from fangkong.control.models import ActiveProfile

    ActiveProfile.objects.create(name="seed-2021", version=1)
    order = arrive(setting, user_a, origin_code="310115001", origin_name="浦东某街道").orders.get()
    assert order.profile_name == "seed-2021"
    assert [(m.measure, (m.ends_on - m.starts_on).days + 1) for m in order.measures.all()] == [("centralized_isolation", 14)]


def test_switching_the_profile_shows_a_dry_run_then_rederives_with_history(setting, user_a, tree):
    from tests.conftest import make_user

    chief = make_user("chief", tree["city"].code, "city_command")
    order = arrive(setting, user_a, origin_code="310115", origin_name="上海市浦东新区").orders.get()  # high: 7 days centralized
    services.test_result_record(by=user_a, test=order.tests.order_by("due_on").first(), positive=False)
    changes, record = services.profile_switch(by=chief, name="seed-2021", apply=False)
    assert record is None
    (change,) = changes
    assert change.before[0]["end"] == (TODAY + dt.timedelta(days=6)).isoformat()
    assert change.after[0]["end"] == (TODAY + dt.timedelta(days=13)).isoformat()
    order.refresh_from_db()
    assert order.profile_name == "national-9th-2022"  # a dry run changes nothing

    changes, record = services.profile_switch(by=chief, name="seed-2021", apply=True)
    assert record.changed_orders == 1
    order.refresh_from_db()
    assert (order.profile_name, order.ends_on) == ("seed-2021", TODAY + dt.timedelta(days=13))
    assert order.tests.get(due_on=TODAY).status == ScheduledTest.Status.NEGATIVE  # a result is never lost
    assert set(order.tests.filter(status="due").values_list("due_on", flat=True)) == {TODAY + dt.timedelta(days=13)}
    assert order.history.count() >= 2
    assert services.profile_switch(by=chief, name="seed-2021", apply=False)[0] == []


def test_only_the_city_command_switches_profiles(setting, user_a):
    with pytest.raises(PermissionDenied):
        services.profile_switch(by=user_a, name="seed-2021", apply=False)



def test_a_refused_check_in_says_why_in_chinese(setting, user_a):
    """The worker's phone shows the reason in the UI language, naming the value entered."""
    from django.utils import translation

    order = arrive(setting, user_a).orders.get()
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as info:
        services.checkin_record(by=user_a, order=order, temperature="55")
    assert info.value.errors["temperature"] == "55.0 °C 不是有效体温（34–43 °C）"


def test_an_arrival_registered_days_late_owes_one_catch_up_test_today_not_missed_ones(setting, user_a):
    """Issue 12 §6: an arrival registered with yesterday's date counted at once as a missed test."""
    order = arrive(setting, user_a, days_ago=4, registered_on=None).orders.get()
    days = list(order.tests.order_by("due_on").values_list("due_on", "status"))
    assert days[0] == (TODAY, ScheduledTest.Status.DUE)  # the catch-up, instead of the day-1 test 4 days ago
    assert all(day >= TODAY for day, _status in days)
    assert "catch-up" in order.explanation
    services.overdue_scan(now=dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC))
    assert not ScheduledTest.objects.filter(order=order, status=ScheduledTest.Status.MISSED).exists()
