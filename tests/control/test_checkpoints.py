"""Checkpoints (卡口): recording passages, the arrivals they register, and the daily counts."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from fangkong.areas.models import Responsible
from fangkong.arrivals import selectors as arrivals_selectors
from fangkong.arrivals import services as arrivals_services
from fangkong.arrivals.models import Arrival, Checkpoint, Passage, Passenger
from fangkong.arrivals.services import PassengerIn
from fangkong.control.models import ControlOrder
from fangkong.core.crypto import unseal
from fangkong.core.errors import InvalidInput
from fangkong.healthcodes.models import HealthCode, Verification
from fangkong.people.models import Person
from fangkong.people.services import household_create, person_register
from fangkong.risk.models import RiskArea
from tests.conftest import make_id_number, make_user

ID_HOME = make_id_number(born="19850101", seq="211")
ID_NEW = make_id_number(region="110105", born="19920303", seq="452")
ID_OTHER = make_id_number(region="310115", born="19700505", seq="613")


@pytest.fixture
def place(tree, user_a):
    grid_a, grid_b = tree["grid_a"], tree["grid_b"]
    worker_a = Responsible.objects.create(area=grid_a, area_code=grid_a.code, tier="grid_worker", name="王网格", phone="13900000001")
    worker_b = Responsible.objects.create(area=grid_b, area_code=grid_b.code, tier="grid_worker", name="刘网格", phone="13900000002")
    household = household_create(user=user_a, area=grid_a, address="一号楼101")
    resident = person_register(area=grid_a, household=household, name="李四", id_number=ID_HOME)
    RiskArea.objects.create(division_code="110105", region_name="北京市朝阳区", level="medium", starts_on=dt.date(2020, 1, 1))
    highway = Checkpoint.objects.create(name="连霍高速商丘东收费站", channel="highway", area=tree["county_a"],
                                        area_code=tree["county_a"].code)
    station = Checkpoint.objects.create(name="商丘站出站口", channel="railway", area=tree["town_a"], area_code=tree["town_a"].code)
    return {"worker_a": worker_a, "worker_b": worker_b, "household": household, "resident": resident,
            "highway": highway, "station": station, "tree": tree}


@pytest.fixture
def staff(tree):
    return make_user("kakou", tree["county_a"].code, "checkpoint")


def person(name="张三", id_number=ID_NEW, temperature="36.5", colour="green", **extra) -> PassengerIn:
    return PassengerIn(name=name, id_number=id_number, temperature=temperature, colour=colour, **extra)


def record(staff, checkpoint, people, plate="豫N12345", origin="110105", destination="", **extra):
    return arrivals_services.passage_record(by=staff, checkpoint=checkpoint, passengers=people, plate=plate, origin=origin,
                                   destination=destination, **extra)


def test_a_carload_let_through_registers_each_arrival_routed_to_the_grid_worker(place, staff, tree):
    passage = record(staff, place["highway"], [
        person("李四", ID_HOME, destination=tree["village_a"].code),
        person("张三", ID_NEW, phone="13812345678", destination=tree["grid_a"].code),
    ])
    home, new = passage.passengers.order_by("seq")
    assert [p.outcome for p in (home, new)] == ["let_through", "let_through"]
    assert home.person == place["resident"] and home.arrival.household == place["household"]
    assert home.arrival.routed_to == place["worker_a"] and home.arrival.source == Arrival.Source.CHECKPOINT
    assert home.arrival.reported_by == staff and home.arrival.origin_risk == "medium"
    assert home.arrival.transport == "car" and home.arrival.transport_number == "豫N12345"
    created = Person.objects.get(pk=new.person_id)
    assert created.area_code == tree["grid_a"].code and unseal(created.id_number_sealed) == ID_NEW
    assert unseal(created.phone_sealed) == "13812345678"
    order = ControlOrder.objects.get(person=created)
    assert order.owner == place["worker_a"] and order.rule_id == "medium-risk-arrival"
    assert [m.measure for m in order.measures.all()] == ["home_isolation"]


def test_a_destination_in_another_county_is_routed_there(place, staff, tree):
    passage = record(staff, place["highway"], [person(destination=tree["grid_b"].code)])
    arrival = passage.passengers.get().arrival
    assert arrival.area_code == tree["grid_b"].code and arrival.routed_to == place["worker_b"]


def test_a_household_code_as_destination_puts_the_new_person_in_that_household(place, staff):
    passage = record(staff, place["highway"], [person(destination=place["household"].code)])
    passenger = passage.passengers.get()
    assert passenger.person.household == place["household"] and passenger.arrival.household == place["household"]
    assert passenger.destination_code == place["household"].code


def test_a_temperature_of_55_is_refused_naming_the_row_and_field_and_nothing_is_written(place, staff, tree):
    with pytest.raises(InvalidInput) as info:
        record(staff, place["highway"], [person(destination=tree["grid_a"].code), person("王五", ID_OTHER, temperature="55")])
    assert info.value.errors == {"passengers.1.temperature": "55.0 °C is not a body temperature (34–43 °C)"}
    assert not Passage.objects.exists() and not Arrival.objects.exists()
    assert not Person.objects.filter(name="张三").exists()


def test_a_fever_cannot_be_let_through_and_by_default_goes_to_medical_staff(place, staff, tree):
    with pytest.raises(InvalidInput) as info:
        record(staff, place["highway"], [person(temperature="37.5", outcome="let_through", destination=tree["grid_a"].code)])
    assert info.value.errors["passengers.0.outcome"] == "37.5 °C is a fever (from 37.3 °C): hand the person to medical staff"
    passage = record(staff, place["highway"], [person(temperature="37.3", destination=tree["grid_a"].code)])
    passenger = passage.passengers.get()
    assert passenger.outcome == "medical" and passenger.fever
    assert passenger.arrival is None and not Arrival.objects.exists()


def test_a_red_code_looked_up_by_token_goes_to_medical_staff_and_the_scan_is_logged(place, staff):
    code = HealthCode.objects.create(person=place["resident"], area_code=place["resident"].area_code, colour="red")
    passage = record(staff, place["highway"], [person("李四", ID_HOME, colour="", health_code_token=code.token)])
    passenger = passage.passengers.get()
    assert (passenger.colour, passenger.code_scanned, passenger.outcome) == ("red", True, "medical")
    scan = Verification.objects.get()
    assert scan.person == place["resident"] and scan.device == f"checkpoint:{place['highway'].pk}" and scan.verified_by == staff


def test_a_token_of_someone_else_or_unknown_is_refused(place, staff):
    code = HealthCode.objects.create(person=place["resident"], area_code=place["resident"].area_code, colour="green")
    with pytest.raises(InvalidInput) as info:
        record(staff, place["highway"], [person(health_code_token=code.token), person("赵六", ID_OTHER, health_code_token="nope")])
    assert info.value.errors == {"passengers.0.health_code_token": "this health code belongs to someone else",
                                 "passengers.1.health_code_token": "no such health code"}
    assert not Verification.objects.exists()


def test_a_colour_is_required_when_no_token_is_given(place, staff):
    with pytest.raises(InvalidInput) as info:
        record(staff, place["highway"], [person(colour="")])
    assert list(info.value.errors) == ["passengers.0.colour"]


def test_a_plate_is_required_on_a_highway_but_not_for_foot_passengers_at_the_station(place, staff):
    with pytest.raises(InvalidInput) as info:
        record(staff, place["highway"], [person()], plate="")
    assert info.value.errors == {"plate": "required at a highway or road checkpoint"}
    passage = record(staff, place["station"], [person()], plate="", trip_number="g 1234")
    assert passage.plate == "" and passage.trip_number == "G1234"


def test_a_new_energy_plate_of_eight_characters_is_accepted_and_a_bad_one_named(place, staff):
    assert record(staff, place["highway"], [person()], plate="豫n·d12345").plate == "豫ND12345"
    with pytest.raises(InvalidInput) as info:
        record(staff, place["highway"], [person()], plate="豫NI2345")
    assert list(info.value.errors) == ["plate"] and "not a mainland plate" in info.value.errors["plate"]


def test_a_bad_id_number_and_a_repeated_one_are_named_by_row(place, staff):
    with pytest.raises(InvalidInput) as info:
        record(staff, place["highway"], [person(), person("王五", ID_NEW), person("赵六", ID_NEW[:-1] + ("1" if ID_NEW[-1] != "1" else "2"))])
    errors = info.value.errors
    assert errors["passengers.1.id_number"] == "the same document as person 1"
    assert errors["passengers.2.id_number"].startswith("invalid ID number: check character")


def test_an_origin_is_required_and_a_row_may_name_its_own(place, staff):
    with pytest.raises(InvalidInput) as info:
        record(staff, place["highway"], [person()], origin="")
    assert info.value.errors == {"origin": "required: where the person comes from"}
    passage = record(staff, place["highway"], [person(origin="上海市浦东新区")], origin="")
    assert passage.passengers.get().origin_name == "上海市浦东新区"


def test_a_typed_origin_that_names_no_single_place_is_asked_again_not_taken_as_no_risk(place, staff, tree):
    with pytest.raises(InvalidInput) as info:
        record(staff, place["highway"], [person()], origin="朝阳区")
    assert "several places" in info.value.errors["origin"] and "吉林省长春市朝阳区" in info.value.errors["origin"]
    passage = record(staff, place["highway"], [person(destination=tree["grid_a"].code)], origin="北京朝阳区")
    assert passage.passengers.get().arrival.origin_risk == "medium"


@pytest.mark.parametrize(("destination", "reason"), [
    ("310115001", "not in this city"),
    ("411402", "give a township, village or grid: a county is too coarse to route the arrival"),
    ("411402999", "no such area or household in the city"),
    ("梁园区", "give the code of a township, village or grid of the city (choose from the list)"),
])
def test_a_destination_that_cannot_be_routed_is_refused(place, staff, destination, reason):
    with pytest.raises(InvalidInput) as info:
        record(staff, place["highway"], [person()], destination=destination)
    assert info.value.errors == {"destination": reason}


def test_a_failure_while_writing_the_second_person_leaves_nothing_behind(place, staff, tree, monkeypatch):
    """Fault injection: the verification log fails on the second person, after the first one was registered."""
    code = HealthCode.objects.create(person=place["resident"], area_code=place["resident"].area_code, colour="green")

    def failing(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(arrivals_services, "verification_record", failing)
    with pytest.raises(RuntimeError):
        record(staff, place["highway"], [
            person(destination=tree["grid_a"].code),
            person("李四", ID_HOME, colour="", health_code_token=code.token, destination=tree["grid_a"].code),
        ])
    assert not Person.objects.filter(name="张三").exists()
    assert not Passage.objects.exists() and not Passenger.objects.exists()
    assert not Arrival.objects.exists() and not ControlOrder.objects.exists()


def test_a_user_of_another_area_cannot_record_at_the_checkpoint(place, user_b):
    with pytest.raises(Http404):
        record(make_user("kakou-b", user_b.area_code, "checkpoint"), place["highway"], [person()])


def test_a_read_only_user_may_not_record(place, tree):
    with pytest.raises(PermissionDenied):
        record(make_user("viewer", tree["county_a"].code, "read_only"), place["highway"], [person()])


def test_a_closed_checkpoint_takes_no_passages(place, staff):
    place["highway"].active = False
    place["highway"].save()
    with pytest.raises(InvalidInput) as info:
        record(staff, place["highway"], [person()])
    assert info.value.errors == {"checkpoint": "this checkpoint is closed"}


def test_the_daily_counts_add_up_per_checkpoint_and_day(place, staff, tree):
    record(staff, place["highway"], [person(), person("王五", ID_OTHER, outcome="turned_back")])
    record(staff, place["highway"], [person("赵六", make_id_number(seq="903"), temperature="38.1")], plate="豫ND12345")
    record(staff, place["station"], [person("钱七", make_id_number(seq="904"))], plate="")
    yesterday = timezone.now() - dt.timedelta(days=1)
    record(staff, place["highway"], [person()], at=yesterday)
    counts = arrivals_selectors.checkpoint_day_counts(user=staff, on=dt.datetime.now(dt.UTC).astimezone(
        timezone.get_default_timezone()).date())
    assert counts[place["highway"].pk] == {"vehicles": 2, "people": 3, "let_through": 1, "turned_back": 1, "medical": 1, "fever": 1}
    assert counts[place["station"].pk] == {"vehicles": 0, "people": 1, "let_through": 1, "turned_back": 0, "medical": 0, "fever": 0}


def test_a_county_user_sees_its_townships_checkpoints_and_a_township_user_only_its_own(place, tree, city_user):
    county = make_user("county", tree["county_a"].code, "district")
    town = make_user("town", tree["town_a"].code, "township")
    other = Checkpoint.objects.create(name="睢阳国道卡口", channel="road", area=tree["county_b"], area_code=tree["county_b"].code)
    assert set(arrivals_selectors.checkpoints_for(user=county)) == {place["highway"], place["station"]}
    assert set(arrivals_selectors.checkpoints_for(user=town)) == {place["station"]}
    assert set(arrivals_selectors.checkpoints_for(user=city_user)) == {place["highway"], place["station"], other}


def test_the_city_command_opens_a_checkpoint_but_only_under_a_county_or_township(tree, city_user, user_a):
    made = arrivals_services.checkpoint_create(by=city_user, area=tree["county_b"], name="机场到达口", channel="airport")
    assert made.area_code == tree["county_b"].code
    with pytest.raises(InvalidInput) as info:
        arrivals_services.checkpoint_create(by=city_user, area=tree["grid_a"], name="x", channel="port")
    assert set(info.value.errors) == {"area_code", "channel"}
    with pytest.raises(PermissionDenied):
        arrivals_services.checkpoint_create(by=user_a, area=tree["county_a"], name="y", channel="road")
