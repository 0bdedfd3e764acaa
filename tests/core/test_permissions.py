"""The one permission policy: generated over every registered action × every role × own / sibling area."""

from __future__ import annotations

import pytest
from django.http import Http404

from fangkong.core import permissions
from fangkong.core.grants import GRANTS
from fangkong.core.models import User
from fangkong.core.permissions import CITY, SYSTEM, NotPermitted, actions_for, granted, registered, require
from fangkong.core.roles import Role
from tests.conftest import make_user

ACTIONS = sorted(registered())
ROLES = list(Role.values)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ACTIONS)
def test_every_action_for_every_role_in_own_and_sibling_area(role, name):
    act = registered()[name]
    # A city-wide action is tried by a user bound at city level; every other one by a county user.
    user = User(username=f"u-{role}", area_code="4114" if act.reach == CITY else "411402", role=role)
    own = "411402001001001"
    sibling = "411403001001001" if act.reach != CITY else "419901001"
    expected = name in granted(role) and act.reach != SYSTEM
    if expected:
        assert require(user, name, own) is user
        with pytest.raises(Http404):
            require(user, name, sibling)
    else:
        with pytest.raises(NotPermitted):
            require(user, name, own)
        with pytest.raises(NotPermitted):  # refused by role before the area is looked at: no oracle
            require(user, name, sibling)
    assert (name in actions_for(user)) is expected


def test_the_grant_table_names_only_known_roles_and_every_pattern_matches_an_action():
    known = set(Role.values) | set(permissions.SYSTEM_ACTORS)
    assert set(GRANTS) <= known
    for role, patterns in GRANTS.items():
        for pattern in patterns:
            probe = pattern.removeprefix("!")
            import fnmatch

            assert any(fnmatch.fnmatchcase(n, probe) for n in ACTIONS), f"{role}: {pattern} matches no action"


def test_an_unbound_user_can_do_nothing(tree):
    user = make_user("nobody", "", Role.CITY_COMMAND)
    assert actions_for(user) == frozenset()
    with pytest.raises(NotPermitted, match="bound to no area"):
        require(user, "people.person.create", tree["grid_a"].code)


def test_a_city_wide_action_needs_a_user_bound_at_city_level(tree):
    township_commander = make_user("tc", tree["town_a"].code, Role.CITY_COMMAND)
    with pytest.raises(NotPermitted, match="city level"):
        require(township_commander, "control.profile.switch")
    assert "control.profile.switch" not in actions_for(township_commander)
    chief = make_user("chief", tree["city"].code, Role.CITY_COMMAND)
    assert require(chief, "control.profile.switch") is chief


def test_read_only_lab_hospital_and_checkpoint_cannot_record_a_check_in_or_register_an_arrival(tree):
    for role in (Role.READ_ONLY, Role.LAB, Role.HOSPITAL, Role.CHECKPOINT, Role.AUDITOR):
        user = make_user(f"x-{role}", tree["county_a"].code, role)
        for name in ("control.checkin.record", "control.arrival.register", "control.escalation.resolve"):
            with pytest.raises(NotPermitted):
                require(user, name, tree["grid_a"].code)
    lab = make_user("lab2", tree["county_a"].code, Role.LAB)
    # a lab receives boxes and records results (scheduled tests; mass testing's tubes), nothing else
    assert actions_for(lab) == {"control.test_result.record", "testing.tube.receive", "testing.result.record"}


def test_system_actors_hold_only_their_own_actions_and_people_hold_none_of_those(tree):
    assert require(permissions.PUBLIC, "control.declaration.submit", tree["grid_a"].code)
    with pytest.raises(NotPermitted):
        require(permissions.PUBLIC, "control.test_result.record", tree["grid_a"].code)
    chief = make_user("chief2", tree["city"].code, Role.CITY_COMMAND)
    with pytest.raises(NotPermitted):  # a person never acts as the public page or the scheduler
        require(chief, "control.declaration.submit", tree["grid_a"].code)


def test_a_unit_bound_action_answers_404_for_another_units_user(tree):
    from fangkong.core.models import Unit

    lab_a = Unit.objects.create(code="lab-a", name="甲检测所", kind=Unit.Kind.LAB, area_code=tree["city"].code)
    lab_b = Unit.objects.create(code="lab-b", name="乙检测所", kind=Unit.Kind.LAB, area_code=tree["city"].code)
    user = make_user("labber", tree["city"].code, Role.LAB, unit=lab_a)
    assert require(user, "control.test_result.record", unit=lab_a) is user
    with pytest.raises(Http404):
        require(user, "control.test_result.record", unit=lab_b)


def test_an_inactive_user_can_do_nothing(tree):
    user = make_user("gone", tree["county_a"].code, Role.DISTRICT, is_active=False)
    assert actions_for(user) == frozenset()


def test_registering_a_name_twice_with_other_terms_is_refused():
    with pytest.raises(ValueError):
        permissions.register("people.person.create", "something else")
    with pytest.raises(ValueError):
        permissions.register("Bad Name", "x")


def test_docs_permissions_page_is_generated_from_the_code():
    from django.core.management import call_command

    call_command("permissions", check="docs/permissions.md")
