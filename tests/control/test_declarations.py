"""Self-declaration services: matching or creating the person, routing, idempotency, the worker's confirmation."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.http import Http404

from fangkong.arrivals import services as arrivals_services
from fangkong.arrivals.models import Arrival, SelfDeclaration
from fangkong.control.models import ControlOrder
from fangkong.core.clock import today
from fangkong.core.crypto import unseal
from fangkong.core.errors import InvalidInput
from fangkong.people.models import Household, Person
from fangkong.people.services import person_register
from fangkong.people.validation import PersonInvalid
from tests.conftest import make_id_number, make_user
from tests.control.declare_world import build_community

GOOD_ID = make_id_number(seq="731")
WRONG_CHECK = GOOD_ID[:-1] + ("1" if GOOD_ID[-1] != "1" else "2")


@pytest.fixture
def world(tree):
    return build_community(tree)


def declaration(**changes) -> arrivals_services.DeclarationInput:
    values = {
        "name": "李四", "id_type": "resident_id", "id_number": make_id_number(seq="731"), "phone": "13812345678",
        "category": "returnee", "origin_code": "110105", "origin_name": "北京市市辖区朝阳区", "arrived_on": today(),
        "address": "1单元201室", "building_code": "", "route": "北京—商丘", "transport": "train",
    }
    values.update(changes)
    return arrivals_services.DeclarationInput(**values)


def test_a_declared_address_that_names_one_household_routes_to_its_responsible(world):
    outcome = arrivals_services.declaration_submit(community=world.village, data=declaration(building_code=world.building.code))
    arrival = outcome.declaration.arrival
    assert arrival.source == Arrival.Source.SELF_DECLARATION and arrival.reported_by is None
    assert arrival.household == world.household and arrival.area_code == world.building.code
    assert arrival.routed_to == world.chain["building"]
    assert outcome.declaration.household_pending is False
    person = outcome.declaration.person
    assert person.household == world.household and unseal(person.phone_sealed) == "13812345678"


def test_the_full_address_resolves_without_a_building(world):
    outcome = arrivals_services.declaration_submit(community=world.village, data=declaration(address=" 梁园区一社区1号楼院 1单元201室 "))
    assert outcome.declaration.arrival.household == world.household


def test_an_address_that_resolves_to_nothing_goes_to_the_community_flagged_household_to_confirm(world):
    outcome = arrivals_services.declaration_submit(community=world.village, data=declaration(address="幸福路88号"))
    arrival = outcome.declaration.arrival
    assert arrival.household is None and arrival.area_code == world.village.code
    assert arrival.routed_to == world.chain["village"]
    assert outcome.declaration.household_pending is True
    assert outcome.declaration.person.area_code == world.village.code


def test_an_ambiguous_address_ending_is_not_guessed(world):
    twin = Household.objects.create(code=world.grid.code + "0099", area=world.grid, area_code=world.grid.code,
                                    address="梁园区一社区2号楼院1单元201室")
    outcome = arrivals_services.declaration_submit(community=world.village, data=declaration(address="1单元201室"))
    assert outcome.declaration.household_pending is True
    assert outcome.declaration.arrival.household not in (world.household, twin)


def test_a_known_document_matches_the_person_and_does_not_overwrite_their_record(world, tree):
    resident = person_register(area=tree["grid_b"], name="王小明", id_number=make_id_number(seq="731"), phone="13600000000")
    outcome = arrivals_services.declaration_submit(community=world.village, data=declaration(address="幸福路88号"))
    assert outcome.declaration.person == resident and outcome.declaration.person_created is False
    assert Person.objects.count() == 1
    resident.refresh_from_db()
    assert resident.name == "王小明" and unseal(resident.phone_sealed) == "13600000000"
    assert outcome.declaration.declared_name == "李四" and outcome.declaration.phone_masked == "138****5678"
    # The arrival goes to the community declared, not to where the person is registered.
    assert outcome.declaration.arrival.area_code == world.village.code


def test_a_matched_person_living_in_the_community_falls_back_to_their_household(world):
    person_register(area=world.building, household=world.household, name="王小明", id_number=make_id_number(seq="731"))
    outcome = arrivals_services.declaration_submit(community=world.village, data=declaration(address="不知道"))
    assert outcome.declaration.arrival.household == world.household
    assert outcome.declaration.household_pending is False


def test_the_plan_follows_the_active_profile_and_the_origins_risk(world):
    outcome = arrivals_services.declaration_submit(community=world.village, data=declaration())
    order = outcome.declaration.arrival.orders.get()
    assert outcome.plan.rule_id == "medium-risk-arrival" == order.rule_id
    assert [m.measure for m in outcome.plan.measures] == ["home_isolation"]
    day = today()
    assert outcome.plan.measures[0].test_days == (day, day + dt.timedelta(days=3), day + dt.timedelta(days=6))
    assert sorted(t.due_on for t in order.tests.all()) == list(outcome.plan.measures[0].test_days)


def test_a_second_declaration_within_the_window_updates_the_first(world):
    first = arrivals_services.declaration_submit(community=world.village, data=declaration())
    earlier = today() - dt.timedelta(days=2)
    second = arrivals_services.declaration_submit(community=world.village,
                                         data=declaration(arrived_on=earlier, phone="13812340000", route="改乘飞机"))
    assert second.updated and second.declaration.pk == first.declaration.pk
    assert Arrival.objects.count() == 1 and SelfDeclaration.objects.get().submissions == 2
    arrival = Arrival.objects.get()
    assert arrival.arrived_on == earlier and arrival.route == "改乘飞机"
    order = ControlOrder.objects.get()
    assert order.starts_on == earlier and order.facts["arrival_date"] == earlier.isoformat()
    assert order.tests.filter(status="due").order_by("due_on").first().due_on == earlier
    assert second.declaration.phone_masked == "138****0000"


def test_an_update_that_lifts_the_measure_cancels_the_order(world):
    arrivals_services.declaration_submit(community=world.village, data=declaration())
    arrivals_services.declaration_submit(community=world.village, data=declaration(origin_code="", origin_name="天津市和平区"))
    assert ControlOrder.objects.get().status == ControlOrder.Status.CANCELLED


def test_a_declaration_after_the_window_is_a_new_arrival(world, settings):
    first = arrivals_services.declaration_submit(community=world.village, data=declaration())
    SelfDeclaration.objects.filter(pk=first.declaration.pk).update(
        submitted_at=first.declaration.submitted_at - dt.timedelta(hours=settings.FANGKONG_PUBLIC["IDEMPOTENCY_HOURS"] + 1))
    second = arrivals_services.declaration_submit(community=world.village, data=declaration())
    assert not second.updated and Arrival.objects.count() == 2


def test_the_same_document_to_another_community_is_another_arrival(world, tree):
    arrivals_services.declaration_submit(community=world.village, data=declaration())
    arrivals_services.declaration_submit(community=tree["village_b"], data=declaration())
    assert Arrival.objects.count() == 2 and Person.objects.count() == 1


def tomorrow() -> dt.date:
    return today() + dt.timedelta(days=1)


# Callables: a date is computed when the test runs, not when it is collected (a long run may cross midnight).
@pytest.mark.parametrize("changes,field", [
    (lambda: {"arrived_on": tomorrow()}, "arrived_on"),
    (lambda: {"negative_test_date": tomorrow()}, "negative_test_date"),
    (lambda: {"id_number": WRONG_CHECK}, "id_number"),
    (lambda: {"phone": "12345"}, "phone"),
    (lambda: {"phone": ""}, "phone"),
    (lambda: {"name": "  "}, "name"),
    (lambda: {"category": "close_contact"}, "category"),
])
def test_bad_input_names_the_field_and_writes_nothing(world, changes, field):
    with pytest.raises((InvalidInput, PersonInvalid)) as caught:
        arrivals_services.declaration_submit(community=world.village, data=declaration(**changes()))
    assert field in caught.value.errors
    assert not Arrival.objects.exists() and not Person.objects.exists()


def test_a_declaration_is_made_to_a_community_only(world, tree):
    with pytest.raises(InvalidInput):
        arrivals_services.declaration_submit(community=tree["town_a"], data=declaration())


def test_the_worker_confirms_the_household_and_everything_follows_it(world, tree):
    outcome = arrivals_services.declaration_submit(community=world.village, data=declaration(address="幸福路88号"))
    worker = make_user("cadre", world.village.code, "grid_worker")
    arrivals_services.declaration_household_confirm(by=worker, declaration=outcome.declaration, household=world.household)
    decl = SelfDeclaration.objects.get()
    assert decl.household_pending is False and decl.confirmed_by == worker
    arrival = decl.arrival
    assert arrival.household == world.household and arrival.routed_to == world.chain["building"]
    order = arrival.orders.get()
    assert order.area_code == world.building.code and order.owner == world.chain["building"]
    assert set(order.tests.values_list("area_code", flat=True)) == {world.building.code}
    person = decl.person
    assert person.household == world.household and person.area_code == world.building.code


def test_a_worker_of_another_area_cannot_confirm(world, tree):
    outcome = arrivals_services.declaration_submit(community=world.village, data=declaration(address="幸福路88号"))
    with pytest.raises(Http404):
        arrivals_services.declaration_household_confirm(by=make_user("other", tree["county_b"].code, "grid_worker"),
                                               declaration=outcome.declaration, household=world.household)


def test_a_household_outside_the_declared_community_is_refused(world, tree):
    outcome = arrivals_services.declaration_submit(community=world.village, data=declaration(address="幸福路88号"))
    elsewhere = Household.objects.create(code=tree["grid_b"].code + "0001", area=tree["grid_b"],
                                         area_code=tree["grid_b"].code, address="x")
    with pytest.raises(InvalidInput) as caught:
        arrivals_services.declaration_household_confirm(by=make_user("chief2", tree["city"].code, "city_command"),
                                               declaration=outcome.declaration, household=elsewhere)
    assert "household" in caught.value.errors


def test_a_read_only_user_cannot_confirm(world):
    outcome = arrivals_services.declaration_submit(community=world.village, data=declaration(address="幸福路88号"))
    with pytest.raises(PermissionDenied):
        arrivals_services.declaration_household_confirm(by=make_user("viewer", world.village.code, "read_only"),
                                               declaration=outcome.declaration, household=world.household)


@pytest.mark.django_db(transaction=True)
def test_two_identical_declarations_at_once_make_one_arrival(tree):
    if connection.vendor != "postgresql":
        pytest.skip("needs two real connections to one database (PostgreSQL)")
    world = build_community(tree)
    errors = []

    def submit():
        try:
            arrivals_services.declaration_submit(community=world.village, data=declaration())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Person.objects.count() == 1 and Arrival.objects.count() == 1
    assert SelfDeclaration.objects.get().submissions == 3


def test_a_strangers_declaration_with_a_neighbours_number_changes_nothing_until_the_worker_confirms(
        world, django_capture_on_commit_callbacks):
    from fangkong.healthcodes.models import HealthCode, HealthCodeChange

    neighbour = person_register(area=world.building, household=world.household, name="王小明",
                                id_number=make_id_number(seq="731"))
    with django_capture_on_commit_callbacks(execute=True):
        outcome = arrivals_services.declaration_submit(community=world.village, data=declaration())
    d = outcome.declaration
    assert d.identity_pending is True and not d.arrival.orders.exists()
    assert not HealthCode.objects.filter(person=neighbour).exclude(colour="green").exists()
    assert not HealthCodeChange.objects.filter(person_id=neighbour.pk).exists()
    # It waits on the worker's list; a second submission inside the window still places nothing.
    worker = make_user("w-dec", world.village.code, "grid_worker")
    from fangkong.arrivals import selectors as arrivals_selectors

    assert d in arrivals_selectors.declarations_pending(user=worker)
    with django_capture_on_commit_callbacks(execute=True):
        arrivals_services.declaration_submit(community=world.village, data=declaration(origin_name="北京"))
    assert not ControlOrder.objects.filter(person=neighbour).exists()
    with pytest.raises(PermissionDenied):
        arrivals_services.declaration_identity_confirm(by=make_user("ro-dec", world.village.code, "read_only"), declaration=d)
    with django_capture_on_commit_callbacks(execute=True):
        arrivals_services.declaration_identity_confirm(by=worker, declaration=d)
    d.refresh_from_db()
    assert d.identity_pending is False and d.confirmed_by == worker
    assert ControlOrder.objects.filter(person=neighbour, status__in=ControlOrder.OPEN).count() == 1
    assert HealthCode.objects.get(person=neighbour).colour == "yellow"


def test_a_declaration_that_matches_no_one_creates_its_person_and_order_at_once(world):
    outcome = arrivals_services.declaration_submit(community=world.village, data=declaration())
    assert outcome.declaration.identity_pending is False and outcome.declaration.arrival.orders.exists()
