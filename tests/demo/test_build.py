"""`fangkong demo` against the real database (SQLite, or PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from fangkong.areas.models import Area, DutyShift, Responsible, Team
from fangkong.core.crypto import lookup_hash, unseal
from fangkong.core.ids import check_resident_id, normalize_mobile
from fangkong.core.roles import Role
from fangkong.demo.models import DemoBuild
from fangkong.demo.services import DEMO_PASSWORD
from fangkong.people.models import Household, Person

PEOPLE = 300


@pytest.fixture(autouse=True)
def demo_settings(settings):
    # Nine demo users hashed with argon2 cost seconds; the hasher is not what these tests check.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEBUG = True  # the demo's fixed passwords are for DEBUG (demo) deployments only


def run_demo(*args: str) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        call_command("demo", *args, "--json")
    return json.loads(out.getvalue())


def plaintext_digest() -> str:
    """SHA-256 over every person as a reader with the key would see them (sealed columns opened)."""
    h = hashlib.sha256()
    rows = Person.objects.order_by("household__code", "id").values_list(
        "household__code", "area_code", "name", "id_number_sealed", "birth_date", "sex", "phone_sealed", "relation",
        "residence", "tags",
    )
    for code, area_code, name, id_sealed, born, sex, phone_sealed, relation, residence, tags in rows:
        phone = unseal(phone_sealed) if phone_sealed else ""
        h.update(f"{code}|{area_code}|{name}|{unseal(id_sealed)}|{born}|{sex}|{phone}|{relation}|{residence}|{tags}\n".encode())
    return h.hexdigest()


def remove_everything() -> None:
    """Undo the module's city, which was committed outside any test's transaction."""
    from fangkong.areas.models import AreaTally, TeamMember
    from fangkong.arrivals.models import Checkpoint
    from fangkong.core.models import User
    from fangkong.demo import control_data

    control_data.wipe("4114")  # arrivals, orders, codes and gatherings refer to the persons and places
    with connection.cursor() as cur:
        for model in (Person, Household, DutyShift, TeamMember, Team, Responsible, Checkpoint, Area, DemoBuild, AreaTally):
            cur.execute(f"DELETE FROM {model._meta.db_table}")
    User.objects.filter(username__startswith="demo-").delete()


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    """One city of 300 people for the read-only tests of this module (a build costs seconds)."""
    from django.test import override_settings

    with django_db_blocker.unblock():
        try:
            with override_settings(DEBUG=True, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                yield run_demo("--people", str(PEOPLE), "--seed", "5")
        finally:
            remove_everything()


@pytest.fixture
def built(city, db):
    return city


def test_the_command_builds_the_number_of_people_asked(built):
    assert built["status"] == "done"
    assert Person.objects.count() == PEOPLE == built["counts"]["persons"]
    assert Household.objects.count() == built["counts"]["households"]


def test_every_person_has_a_valid_sealed_id_number_matching_birth_date_and_sex(built):
    for person in Person.objects.all():
        number = unseal(person.id_number_sealed)
        checked = check_resident_id(number)
        assert checked.valid, checked.reason
        assert (checked.birth_date, checked.sex) == (person.birth_date, person.sex)
        assert person.id_number_hash == lookup_hash(number)
        assert person.id_number_masked == number[:6] + "*" * 11 + number[-1:]
        assert number[:6] == person.area_code[:6]
        if person.phone_sealed:
            phone = unseal(person.phone_sealed)
            assert normalize_mobile(phone) == phone
            assert person.phone_masked == phone[:3] + "****" + phone[-4:]


def test_a_sealed_value_does_not_show_the_number_in_the_database(built):
    person = Person.objects.first()
    number = unseal(person.id_number_sealed)
    with connection.cursor() as cur:
        cur.execute("SELECT id_number_sealed, id_number_hash, id_number_masked FROM people_person WHERE id = %s", [person.pk])
        assert not any(number in value for value in cur.fetchone())


def test_each_household_has_one_head_and_children_younger_than_parents(built):
    for household in Household.objects.prefetch_related("members"):
        members = list(household.members.all())
        heads = [m for m in members if m.relation == "户主"]
        assert len(heads) == 1
        for child in (m for m in members if m.relation in ("子", "女")):
            for parent in (m for m in members if m.relation in ("户主", "配偶")):
                gap = (child.birth_date - parent.birth_date).days / 365.2425
                assert 18 <= gap <= 40
        assert all(m.area_id == household.area_id for m in members)


def test_every_node_and_household_has_a_responsible_person_and_every_area_a_polygon(built):
    answerable = set(Responsible.objects.values_list("area_code", flat=True))
    city = Area.objects.get(code="4114")
    nodes = Area.objects.filter(code__startswith="4114")
    assert nodes.filter(level=6).exists() and nodes.filter(level=7).exists()
    missing = [a.code for a in nodes if a.code not in answerable]
    assert missing == []
    assert not Area.objects.filter(geometry__isnull=True).exists()
    assert city.geometry["type"] == "Polygon"
    assert not Household.objects.filter(responsible__isnull=True).exists()
    assert all(h.responsible.area_code == h.area_code for h in Household.objects.select_related("responsible"))
    tiers = set(Responsible.objects.values_list("tier", flat=True))
    assert {"county_leader", "township_cadre", "village_cadre", "grid_worker"} <= tiers


def test_the_tracing_teams_obey_the_size_rule(built):
    teams = Team.objects.prefetch_related("members")
    assert teams.filter(area_code="4114", kind="office").count() == 1
    assert teams.filter(area_code="4114", kind="group").count() == 6
    assert teams.filter(area_code="4114", kind="task_force").count() == 6
    tracing = teams.filter(kind="tracing")
    assert tracing.count() == 1 + Area.objects.filter(code__startswith="4114", level=3).count()
    for team in tracing:
        members = list(team.members.all())
        if team.area_code in ("4114", "411402", "411403"):
            assert len(members) >= 60 and team.min_members == 60
        else:
            assert 30 <= len(members) <= 50
        assert sum(m.is_police for m in members) >= 0.3 * len(members)


def test_the_duty_roster_has_someone_on_duty_around_the_clock(built):
    shifts = list(DutyShift.objects.filter(area_code="4114", post="值班员").order_by("starts_at"))
    assert len(shifts) == 7 * 3
    for before, after in zip(shifts, shifts[1:], strict=False):
        assert before.ends_at == after.starts_at


def test_there_is_a_demo_user_for_every_role_in_a_sensible_area(built, client):
    users = {u["role"]: u for u in built["users"]}
    assert set(users) == set(Role.values)
    assert users["city_command"]["area_code"] == "4114"
    assert len(users["district"]["area_code"]) == 6
    assert len(users["grid_worker"]["area_code"]) == 15
    assert users["grid_worker"]["area_code"].startswith(users["township"]["area_code"])
    assert Responsible.objects.filter(user__username=users["grid_worker"]["username"], tier="grid_worker").exists()
    response = client.post("/accounts/login/", {"username": "demo-grid", "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_if_empty_does_nothing_the_second_time(built):
    before = (Person.objects.count(), Household.objects.count(), Area.objects.count(), Responsible.objects.count())
    again = run_demo("--people", "500", "--seed", "9", "--if-empty")
    assert again["status"] == "skipped"
    assert (Person.objects.count(), Household.objects.count(), Area.objects.count(), Responsible.objects.count()) == before
    assert {u["username"] for u in again["users"]} >= {"demo-city", "demo-grid"}


def test_it_refuses_to_build_over_existing_persons(built):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="persons exist"):
        run_demo("--people", "10", "--seed", "5")


def test_the_same_seed_rebuilds_the_same_city_and_another_seed_another(built):
    first = plaintext_digest()
    households = sorted(Household.objects.values_list("code", "address"))
    run_demo("--people", str(PEOPLE), "--seed", "5", "--replace")
    assert plaintext_digest() == first
    assert sorted(Household.objects.values_list("code", "address")) == households
    run_demo("--people", str(PEOPLE), "--seed", "6", "--replace")
    assert plaintext_digest() != first
    assert Person.objects.count() == PEOPLE


def test_the_producer_processes_on_postgresql_build_the_same_city_whatever_their_number(built, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the producer processes are used on PostgreSQL only")
    from fangkong.demo import services

    def keyed() -> list:
        """Primary keys and their links too, counted from the first row of each table (a rebuild
        takes new ids above the old ones): a producer must not shift another county's ids."""
        areas = list(Area.objects.filter(level__gte=6).values_list("id", "code", "parent_id"))
        responsibles = list(Responsible.objects.filter(area__level__gte=6).values_list("id", "area_id", "tier", "phone"))
        households = list(Household.objects.values_list("id", "code", "area_id", "responsible_id"))
        persons = list(Person.objects.values_list("id", "household_id", "area_id", "id_number_hash", "phone_hash"))
        base = {name: min(r[0] for r in rows) for name, rows in
                (("a", areas), ("r", responsibles), ("h", households), ("p", persons))}
        area = lambda pk: pk - base["a"] if pk >= base["a"] else ("division", pk)  # noqa: E731
        return [
            sorted((pk - base["a"], code, area(parent)) for pk, code, parent in areas),
            sorted((pk - base["r"], area(a), tier, phone) for pk, a, tier, phone in responsibles),
            sorted((pk - base["h"], code, area(a), r - base["r"]) for pk, code, a, r in households),
            sorted((pk - base["p"], h - base["h"], area(a), i, ph) for pk, h, a, i, ph in persons),
        ]

    first, first_keys = plaintext_digest(), keyed()
    monkeypatch.setattr(services, "PIPELINE_MIN_PEOPLE", 0)
    for workers in ("1", "3"):
        run_demo("--people", str(PEOPLE), "--seed", "5", "--replace", "--workers", workers)
        assert plaintext_digest() == first
        assert keyed() == first_keys
        assert Person.objects.count() == PEOPLE


def test_the_build_leaves_the_tree_counts_of_the_big_nodes_counted(built):
    from fangkong.areas.models import AreaTally

    city = AreaTally.objects.get(code="4114")
    assert (city.persons, city.households) == (PEOPLE, Household.objects.count())
