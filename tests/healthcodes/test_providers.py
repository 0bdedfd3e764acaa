"""Health codes take their statuses from registered providers: a new capability (mass testing, cases) colours a
code by registering one, with no change to the health-code app, and each provider's two forms agree."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from fangkong.arrivals import services as arrivals_services
from fangkong.control.statuses import OrderStatuses
from fangkong.core.clock import today
from fangkong.healthcodes import providers
from fangkong.healthcodes import services as hc_services
from fangkong.healthcodes.models import HealthCode, HealthCodeChange
from fangkong.healthcodes.providers import Moment
from fangkong.people.services import household_create, person_create
from fangkong.policy.selectors import active_profile
from tests.conftest import make_id_number


class PositivePools:
    """Stands in for the mass-testing app: persons in a positive pool are `confirmed` until retested."""

    name = "test_positive_pools"

    def __init__(self):
        self.members: set[int] = set()

    def statuses_of(self, person_ids, moment):
        return [(pk, "confirmed") for pk in person_ids if pk in self.members]

    def statuses_sql(self, moment):
        ids = sorted(self.members) or [-1]
        return "SELECT unnest(%s::bigint[]) AS person_id, 'confirmed'::text AS status", [ids]


@pytest.fixture
def pools():
    provider = providers.register(PositivePools())
    yield provider
    providers.unregister(provider.name)


@pytest.fixture
def people(tree, user_a):
    household = household_create(user=user_a, area=tree["grid_a"])
    return [person_create(user=user_a, household=household, name=f"钱{i}", id_number=make_id_number(seq=f"6{i:02d}"))
            for i in range(4)]


def test_control_registers_its_provider_and_health_codes_import_none_of_control():
    assert "control_orders" in [p.name for p in providers.providers()]


@pytest.fixture(params=[None, 0], ids=["grouped", "set-based"])
def refresh_path(request, monkeypatch):
    if request.param is not None:
        if connection.vendor != "postgresql":
            pytest.skip("the set-based refresh runs on PostgreSQL only")
        monkeypatch.setattr(hc_services, "SET_BASED_REFRESH_FROM", request.param)
    return request.param


def test_a_new_provider_turns_a_code_red_with_no_order_and_its_history_names_the_cause(people, pools, refresh_path):
    member, other = people[0], people[1]
    hc_services.health_codes_refresh(person_ids=[p.pk for p in people])
    assert set(HealthCode.objects.filter(person__in=people).values_list("colour", flat=True)) == {"green"}
    pools.members.add(member.pk)
    assert hc_services.health_codes_refresh(person_ids=[p.pk for p in people]) == 1
    assert HealthCode.objects.get(person=member).colour == "red"
    assert HealthCode.objects.get(person=other).colour == "green"
    change = HealthCodeChange.objects.filter(person_id=member.pk).latest("id")
    assert (change.colour_from, change.colour_to, change.cause) == ("green", "red", ["confirmed"])
    pools.members.clear()  # retested negative
    assert hc_services.health_code_refresh(person=member).colour == "green"


def test_the_one_person_and_the_bulk_refresh_agree_with_several_providers(tree, user_a, people, pools, refresh_path,
                                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        arrivals_services.arrival_register(by=user_a, person=people[2], household=people[2].household, category="inbound",
                                  origin_name="某国", arrived_on=today(), source="manual")
    pools.members.update({people[1].pk, people[2].pk})
    one = {p.pk: (c.colour, c.reasons) for p in people for c in [hc_services.health_code_refresh(person=p)]}
    HealthCode.objects.filter(person__in=people).update(colour="green", reasons=[])
    hc_services.health_codes_refresh(person_ids=[p.pk for p in people])
    bulk = {c.person_id: (c.colour, c.reasons) for c in HealthCode.objects.filter(person__in=people)}
    assert bulk == one
    assert one[people[2].pk] == ("red", ["confirmed"]) and one[people[0].pk] == ("green", [])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL form is PostgreSQL's")
def test_the_order_providers_two_forms_give_the_same_statuses(tree, user_a, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for person in people[:3]:
            arrivals_services.arrival_register(by=user_a, person=person, household=person.household, category="inbound",
                                      origin_name="某国", arrived_on=today() - dt.timedelta(days=6), source="manual")
    moment = Moment(timezone.now() + dt.timedelta(days=3), active_profile())  # some tests are overdue by then
    provider = OrderStatuses()
    ids = [p.pk for p in people]
    by_orm = sorted(set(provider.statuses_of(ids, moment)))
    sql, params = provider.statuses_sql(moment)
    with connection.cursor() as cur:
        cur.execute(f"SELECT DISTINCT person_id, status FROM ({sql}) s WHERE person_id = ANY(%s)", [*params, ids])  # noqa: S608
        by_sql = sorted(cur.fetchall())
    assert by_orm == by_sql
    assert {s for _, s in by_orm} >= {"inbound", "overdue_test"}
