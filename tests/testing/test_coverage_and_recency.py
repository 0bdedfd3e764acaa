"""Coverage by area node, the not-yet-tested list, a person's test history and recency, and the status provider."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.utils import timezone

from fangkong.healthcodes.providers import Moment
from fangkong.people.services import household_create, person_register
from fangkong.policy.selectors import active_profile
from fangkong.testing import selectors, services
from fangkong.testing.statuses import TestingStatuses
from tests.conftest import make_id_number
from tests.testing.conftest import pool, to_lab


@pytest.fixture
def county_b_person(tree, user_b):
    household = household_create(user=user_b, area=tree["grid_b"], address="二号楼")
    return person_register(area=tree["grid_b"], household=household, name="乙",
                           id_number=make_id_number(region="411403", seq="901"))


def test_coverage_counts_target_sampled_resulted_positive_and_not_tested_per_node(
        world, user_a, lab_user, city_user, tree, county_b_person):
    persons = world["persons"]
    positive = pool(user_a, world["site"], "T0001", persons[:3])
    negative = pool(user_a, world["site"], "T0002", persons[3:5])
    pool(user_a, world["site"], "T0003", persons[5:6])  # still at the site
    to_lab(user_a, lab_user, world["site"], world["lab"], [positive, negative])
    services.result_record(by=lab_user, tube=positive, outcome="positive", tested_at=timezone.now())
    services.result_record(by=lab_user, tube=negative, outcome="negative", tested_at=timezone.now())
    rows = {r.code: r for r in selectors.coverage(user=city_user, campaign=world["campaign"],
                                                  parent_code=tree["city"].code)}
    a, b = rows[tree["county_a"].code], rows[tree["county_b"].code]
    assert (a.target, a.sampled, a.resulted, a.positive, a.not_tested) == (12, 6, 5, 3, 6)
    assert (b.target, b.sampled, b.not_tested) == (1, 0, 1)


def test_a_county_user_sees_only_its_own_nodes_and_404_above_them(world, user_a, user_b, tree):
    rows = selectors.coverage(user=user_a, campaign=world["campaign"], parent_code=tree["county_a"].code)
    assert [r.code for r in rows] == [tree["town_a"].code]
    with pytest.raises(Http404):
        selectors.coverage(user=user_b, campaign=world["campaign"], parent_code=tree["county_a"].code)


def test_the_grid_workers_not_yet_tested_list_leaves_out_the_sampled(world, user_a, county_b_person):
    pool(user_a, world["site"], "T0001", world["persons"][:10])
    left = list(selectors.not_tested(user=user_a, campaign=world["campaign"]))
    assert left == world["persons"][10:]  # county B's person is not on county A's list


def test_a_persons_history_shows_pending_then_recency_of_the_last_negative(world, user_a, lab_user):
    person = world["persons"][0]
    tube = pool(user_a, world["site"], "T0001", [person])
    rows, recency = selectors.person_tests(user=user_a, person=person)
    assert recency.pending and recency.hours_since_negative is None and rows[0].outcome == ""
    to_lab(user_a, lab_user, world["site"], world["lab"], [tube])
    services.result_record(by=lab_user, tube=tube, outcome="negative", tested_at=timezone.now())
    rows, recency = selectors.person_tests(user=user_a, person=person, now=timezone.now() + dt.timedelta(hours=30))
    assert rows[0].outcome == "negative" and not recency.pending
    assert 29.9 < recency.hours_since_negative < 30.1
    assert recency.within(48) and not recency.within(24)


def test_another_countys_user_cannot_read_the_history(world, user_b):
    with pytest.raises(Http404):
        selectors.person_tests(user=user_b, person=world["persons"][0])


def _provider_pairs(person_ids, now):
    moment = Moment(now, active_profile())
    orm = set(TestingStatuses().statuses_of(person_ids, moment))
    if connection.vendor != "postgresql":
        return orm, orm
    sql, params = TestingStatuses().statuses_sql(moment)
    with connection.cursor() as cur:
        cur.execute(f"SELECT person_id, status FROM ({sql}) x WHERE person_id = ANY(%s)", [*params, list(person_ids)])  # noqa: S608
        return orm, set(cur.fetchall())


def test_the_provider_gives_recency_and_pending_in_both_forms(world, user_a, lab_user):
    first, second = world["persons"][:2]
    tested = pool(user_a, world["site"], "T0001", [first])
    pool(user_a, world["site"], "T0002", [second])
    to_lab(user_a, lab_user, world["site"], world["lab"], [tested])
    services.result_record(by=lab_user, tube=tested, outcome="negative", tested_at=timezone.now())
    ids = [first.pk, second.pk]
    orm, sql = _provider_pairs(ids, timezone.now() + dt.timedelta(hours=30))
    assert orm == sql == {(first.pk, "negative_within_48h"), (first.pk, "negative_within_72h"),
                          (second.pk, "test_pending")}
    orm, sql = _provider_pairs(ids, timezone.now() + dt.timedelta(hours=80))
    assert orm == sql == set()
