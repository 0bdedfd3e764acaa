"""The profile switch over many orders (set-based): what each order ends up with, history, health codes."""

import datetime as dt

import pytest
from django.db import connection

from fangkong.control import services
from fangkong.control.models import ActiveProfile, ControlOrder, ScheduledTest
from fangkong.healthcodes import services as hc_services
from fangkong.healthcodes.models import HealthCode
from fangkong.people.services import household_create, person_register
from fangkong.policy import profile as profiles
from fangkong.policy.engine import Facts, evaluate
from fangkong.policy.profile import load_profile
from tests.conftest import make_id_number, make_user

TODAY = dt.date(2026, 11, 20)

# (category, origin risk, days since arrival or exposure): a spread of plans under both shipped profiles.
CASES = [
    ("risk_area_arrival", "high", 0), ("risk_area_arrival", "medium", 2), ("returnee", "low", 1),
    ("inbound", None, 3), ("close_contact", None, 1), ("secondary_contact", None, 0), ("risk_area_arrival", "high", 0),
    ("returnee", "low", 10),  # under seed-2021 its day-7 test is three days past
]


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr(services, "local_today", lambda: TODAY)


@pytest.fixture
def orders(tree, user_a):
    grid = tree["grid_a"]
    household = household_create(user=user_a, area=grid, address="一号楼101")
    out = []
    for i, (category, risk, days) in enumerate(CASES):
        person = person_register(area=grid, household=household, name=f"张{i}",
                                 id_number=make_id_number(born="19850101", seq=f"{100 + i}"))
        day = TODAY - dt.timedelta(days=days)
        facts = Facts(id=str(person.pk), category=category, origin_risk=risk,
                      arrival_date=day if category not in ("close_contact", "secondary_contact") else None,
                      last_exposure_date=day if category in ("close_contact", "secondary_contact") else None,
                      registered_on=day)  # taken under control that day: the orders have a past to switch over
        out.append(services.order_from_facts(person=person, facts=facts))
    # A result is on record for the first test of the first order: a switch must never lose it.
    first_test = out[0].tests.order_by("due_on").first()
    services.test_result_record(by=user_a, test=first_test, positive=False)
    return out


# in-sql: PostgreSQL compares and rewrites the orders with set-based statements even for these few.
@pytest.fixture(params=["chunked", "in-sql"])
def switch_path(request, monkeypatch):
    if request.param == "in-sql":
        if connection.vendor != "postgresql":
            pytest.skip("the set-based switch is PostgreSQL's")
        monkeypatch.setattr(services, "SWITCH_IN_SQL_FROM", 0)
    return request.param


def schedule(order: ControlOrder) -> tuple[list, set]:
    measures = [(m.measure, m.starts_on, m.ends_on) for m in order.measures.all()]
    live = {t.due_on for t in order.tests.exclude(status=ScheduledTest.Status.CANCELLED)}
    return measures, live


def test_applying_a_switch_gives_every_order_the_new_plan_and_keeps_results(orders, tree, switch_path):
    chief = make_user("chief", tree["city"].code, "city_command")
    profile = load_profile("seed-2021")
    result_day = orders[0].tests.get(status=ScheduledTest.Status.NEGATIVE).due_on
    changes, record = services.profile_switch(by=chief, name="seed-2021", apply=True)
    assert record.changed_orders == changes.total == len(changes) > 0
    for order in orders:
        order.refresh_from_db()
        plan = evaluate(profile, Facts.model_validate(order.facts))
        measures, live = schedule(order)
        assert measures == [(m.measure, m.start, m.end) for m in plan.measures]
        expected_days = {d for m in plan.measures for d in m.test_days}
        assert live - {result_day} == expected_days - {result_day}
        assert (order.profile_name, order.rule_id) == ("seed-2021", plan.rule_id)
        assert (order.starts_on, order.ends_on) == (plan.measures[0].start, plan.measures[-1].end)
    assert orders[0].tests.get(due_on=result_day).status == ScheduledTest.Status.NEGATIVE
    assert services.profile_switch(by=chief, name="seed-2021", apply=False)[0].total == 0


def test_each_changed_order_gets_a_history_row_saying_why(orders, tree, switch_path):
    chief = make_user("chief", tree["city"].code, "city_command")
    changes, _ = services.profile_switch(by=chief, name="seed-2021", apply=True)
    for change in changes:
        latest = ControlOrder.history.filter(id=change.order_id).order_by("-history_id").first()
        assert latest.history_type == "~"
        assert latest.history_change_reason.startswith("profile switch to seed-2021")
        assert latest.history_user_id == chief.pk
        assert (latest.profile_name, latest.rule_id) == ("seed-2021", change.rule_after)


def test_switching_back_restores_the_schedule_without_adding_a_day_twice(orders, tree, switch_path):
    chief = make_user("chief", tree["city"].code, "city_command")
    before = {o.pk: schedule(o) for o in orders}
    services.profile_switch(by=chief, name="seed-2021", apply=True)
    services.profile_switch(by=chief, name="national-9th-2022", apply=True)
    for order in orders:
        assert schedule(order) == before[order.pk]
        days = list(order.tests.values_list("due_on", flat=True))
        assert len(days) == len(set(days))


def test_a_dry_run_keeps_details_for_the_first_ones_and_counts_all(orders, tree, switch_path):
    chief = make_user("chief", tree["city"].code, "city_command")
    everything, _ = services.profile_switch(by=chief, name="seed-2021", apply=False)
    some, record = services.profile_switch(by=chief, name="seed-2021", apply=False, details=2)
    assert record is None and not ActiveProfile.objects.exists()
    assert len(some) == 2 and some.total == everything.total == len(everything) > 2
    assert ControlOrder.objects.filter(profile_name="seed-2021").count() == 0


def test_both_ways_of_switching_find_the_same_changes(orders, tree, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the set-based switch is PostgreSQL's")
    chief = make_user("chief", tree["city"].code, "city_command")
    chunked, _ = services.profile_switch(by=chief, name="seed-2021", apply=False)
    monkeypatch.setattr(services, "SWITCH_IN_SQL_FROM", 0)
    in_sql, _ = services.profile_switch(by=chief, name="seed-2021", apply=False)
    assert in_sql.total == chunked.total > 0
    assert list(in_sql) == list(chunked)


def test_test_days_already_past_at_the_switch_are_waived_not_overdue(orders, tree, user_a, switch_path):
    chief = make_user("chief", tree["city"].code, "city_command")
    kept = {t.pk: t.status for o in orders for t in o.tests.all()}
    services.profile_switch(by=chief, name="seed-2021", apply=True)
    added = ScheduledTest.objects.exclude(pk__in=kept)
    assert {t.status for t in added if t.due_on < TODAY} == {ScheduledTest.Status.WAIVED}
    assert {t.status for t in added if t.due_on >= TODAY} == {ScheduledTest.Status.DUE}
    # Tests without a result that the new plan has no day for are gone, not left cancelled.
    assert not ScheduledTest.objects.filter(status=ScheduledTest.Status.CANCELLED).exists()
    remaining = dict(ScheduledTest.objects.filter(pk__in=kept).values_list("pk", "status"))
    assert all(status == kept[pk] for pk, status in remaining.items())
    assert set(kept) - set(remaining)
    # Only tests that existed before the switch can be overdue now.
    now = dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC)
    services.overdue_scan(now=now)
    missed = ScheduledTest.objects.filter(status=ScheduledTest.Status.MISSED)
    assert set(missed.values_list("pk", flat=True)) <= set(remaining)


def test_a_waived_test_does_not_hold_a_release_back(orders, tree, user_a, switch_path, monkeypatch):
    chief = make_user("chief", tree["city"].code, "city_command")
    services.profile_switch(by=chief, name="seed-2021", apply=True)
    order = next(o for o in orders if o.tests.filter(status=ScheduledTest.Status.WAIVED).exists())
    order.refresh_from_db()
    monkeypatch.setattr(services, "local_today", lambda: order.ends_on)  # the last test's day has come
    for test in order.tests.filter(status__in=[ScheduledTest.Status.DUE, ScheduledTest.Status.MISSED]):
        services.test_result_record(by=user_a, test=test, positive=False)
    released = services.order_release(by=user_a, order=order, on=order.ends_on + dt.timedelta(days=1))
    assert released.status == ControlOrder.Status.RELEASED


@pytest.fixture
def profile_dir(tmp_path, monkeypatch):
    """The shipped profiles and `strict-2021`: seed-2021 whose colour rules make every returnee red."""
    for shipped in profiles.PROFILE_DIR.glob("*.yaml"):
        (tmp_path / shipped.name).write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    seed = (profiles.PROFILE_DIR / "seed-2021.yaml").read_text(encoding="utf-8")
    strict = seed.replace("name: seed-2021", "name: strict-2021").replace(
        "red: [confirmed, asymptomatic, close_contact]", "red: [confirmed, asymptomatic, close_contact, returnee]")
    assert strict != seed
    (tmp_path / "strict-2021.yaml").write_text(strict, encoding="utf-8")
    monkeypatch.setattr(profiles, "PROFILE_DIR", tmp_path)
    return tmp_path


def test_new_colour_rules_recolour_persons_whose_orders_did_not_change(orders, tree, profile_dir, switch_path):
    chief = make_user("chief", tree["city"].code, "city_command")
    services.profile_switch(by=chief, name="seed-2021", apply=True)
    returnees = [o.person_id for o in orders if o.category == "returnee"]
    assert {c.colour for c in HealthCode.objects.filter(person_id__in=returnees)} == {"yellow"}
    changes, _ = services.profile_switch(by=chief, name="strict-2021", apply=True)
    assert changes.total == 0  # same plans: only the colours differ
    assert {c.colour for c in HealthCode.objects.filter(person_id__in=returnees)} == {"red"}


# 0: PostgreSQL takes its set-based path (temporary tables, one UPDATE) even for these few persons.
@pytest.fixture(params=[None, 0], ids=["grouped", "set-based"])
def refresh_path(request, monkeypatch):
    if request.param is not None:
        monkeypatch.setattr(hc_services, "SET_BASED_REFRESH_FROM", request.param)


def test_the_bulk_health_code_refresh_agrees_with_the_one_person_refresh(orders, tree, user_a, refresh_path):
    grid = tree["grid_a"]
    nobody = person_register(area=grid, name="无码", id_number=make_id_number(born="19700101", seq="300"))
    positive = orders[1].tests.order_by("due_on").first()
    positive.status, positive.result_at = ScheduledTest.Status.POSITIVE, dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    positive.save()
    people = [o.person for o in orders] + [nobody]
    HealthCode.objects.all().delete()
    one_by_one = {p.pk: (c.colour, c.reasons) for p in people for c in [hc_services.health_code_refresh(person=p)]}
    HealthCode.objects.all().delete()
    assert hc_services.health_codes_refresh(person_ids={p.pk for p in people}) == len(people)
    bulk = {c.person_id: (c.colour, c.reasons) for c in HealthCode.objects.all()}
    assert bulk == one_by_one
    assert {c for c, _ in bulk.values()} >= {"red", "yellow", "green"}
    assert hc_services.health_codes_refresh(person_ids={p.pk for p in people}) == 0


def test_the_bulk_refresh_rewrites_only_the_codes_that_are_wrong(orders, tree, refresh_path):
    people = [o.person for o in orders]
    right = {p.pk: (c.colour, c.reasons) for p in people for c in [hc_services.health_code_refresh(person=p)]}
    wrong = [p.pk for p in people if right[p.pk][0] != "green"][:3]
    HealthCode.objects.filter(person_id__in=wrong).update(colour="green", reasons=[])
    untouched = HealthCode.objects.exclude(person_id__in=wrong).values_list("person_id", "updated_at")
    stamps = dict(untouched)
    assert hc_services.health_codes_refresh(person_ids={p.pk for p in people}) == len(wrong) > 0
    assert {c.person_id: (c.colour, c.reasons) for c in HealthCode.objects.all()} == right
    assert dict(untouched) == stamps


@pytest.mark.django_db(transaction=True)
def test_the_bulk_refresh_works_outside_a_transaction_too(tree, user_a, refresh_path):
    # The set-based path keeps its temporary tables until a commit: called in autocommit, it opens its own.
    grid = tree["grid_a"]
    person = person_register(area=grid, name="自动", id_number=make_id_number(born="19750101", seq="310"))
    services.order_from_facts(person=person, facts=Facts(id=str(person.pk), category="close_contact",
                                                         last_exposure_date=TODAY - dt.timedelta(days=1)))
    HealthCode.objects.all().delete()
    assert hc_services.health_codes_refresh(person_ids={person.pk}) == 1
    assert HealthCode.objects.get(person=person).colour == "red"


def test_the_set_based_refresh_leaves_the_planner_as_it_found_it(orders, refresh_path):
    if connection.vendor != "postgresql":
        pytest.skip("planner settings are PostgreSQL's")
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_mergejoin = off")
        hc_services.health_codes_refresh(person_ids={o.person_id for o in orders})
        cur.execute("SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin')")
        assert cur.fetchone() == ("on", "off")


def test_a_test_cancelled_by_an_earlier_switch_is_revived_when_the_plan_needs_its_day(orders, tree, switch_path):
    # Switches before December 2026 marked dropped tests cancelled; such rows must come back, not be doubled.
    chief = make_user("chief", tree["city"].code, "city_command")
    profile = load_profile("seed-2021")
    order = orders[2]  # a returnee from a low-risk area, arrived yesterday: day 7 lies ahead under seed-2021
    plan_days = {d for m in evaluate(profile, Facts.model_validate(order.facts)).measures for d in m.test_days}
    future_day = min(d for d in plan_days if d > TODAY)
    legacy = ScheduledTest.objects.create(order=order, person_id=order.person_id, area_code=order.area_code,
                                          due_on=future_day, status=ScheduledTest.Status.CANCELLED)
    services.profile_switch(by=chief, name="seed-2021", apply=True)
    legacy.refresh_from_db()
    assert legacy.status == ScheduledTest.Status.DUE
    assert order.tests.filter(due_on=future_day).count() == 1


def test_the_bulk_refresh_writes_each_colour_change_to_the_history_on_both_paths(orders, tree, refresh_path):
    from fangkong.healthcodes.models import HealthCodeChange

    people = [o.person for o in orders]
    right = {p.pk: c.colour for p in people for c in [hc_services.health_code_refresh(person=p)]}
    wrong = [p.pk for p in people if right[p.pk] != "green"][:3]
    HealthCode.objects.filter(person_id__in=wrong).update(colour="green", reasons=[])
    before = HealthCodeChange.objects.count()
    hc_services.health_codes_refresh(person_ids={p.pk for p in people})
    written = HealthCodeChange.objects.order_by("id")[before:]
    assert sorted((c.person_id, c.colour_from, c.colour_to) for c in written) == sorted(
        (pk, "green", right[pk]) for pk in wrong)
    assert all(c.cause for c in written)
