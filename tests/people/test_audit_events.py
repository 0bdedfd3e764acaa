"""Writes to the registry and the responsibility chain leave one audit event each, with the actor and the change."""

from __future__ import annotations

import pytest

from fangkong.areas import services as area_services
from fangkong.core.models import AuditEvent
from fangkong.core.permissions import NotPermitted
from fangkong.core.scoping import in_scope
from fangkong.people import services
from tests.conftest import make_id_number, make_user


def test_registering_and_changing_a_person_is_audited_with_masked_numbers(tree, user_a):
    person = services.person_create(user=user_a, area=tree["grid_a"], name="张三", id_number=make_id_number(),
                                    phone="13812345678")
    services.person_update(user=user_a, person=person, name="张叁", occupation="教师")
    created, updated = AuditEvent.objects.filter(object_type="person", object_id=str(person.pk)).order_by("id")
    assert (created.action, created.actor_name, created.area_code) == ("people.person.create", "alice", "411402001001001")
    assert created.changes["id_number_masked"] == person.id_number_masked
    assert "13812345678" not in str(created.changes) and make_id_number() not in str(created.changes)
    assert updated.action == "people.person.update"
    assert updated.changes == {"name": ["张三", "张叁"], "occupation": ["", "教师"]}


def test_a_refused_write_leaves_no_event(tree, user_b):
    with pytest.raises(Exception):  # noqa: B017 - 404 for another area's node
        services.person_create(user=user_b, area=tree["grid_a"], name="李四", id_type="none")
    reader = make_user("reader", tree["county_a"].code, "read_only")
    with pytest.raises(NotPermitted):
        services.person_create(user=reader, area=tree["grid_a"], name="李四", id_type="none")
    assert not AuditEvent.objects.filter(action="people.person.create").exists()


def test_merging_two_records_names_both(tree, user_a):
    keep = services.person_create(user=user_a, area=tree["grid_a"], name="王五", id_type="none")
    drop = services.person_create(user=user_a, area=tree["grid_a"], name="王五", id_type="none")
    services.person_merge(user=user_a, keep=keep, drop=drop, reason="same person")
    event = AuditEvent.objects.get(action="people.person.merge")
    assert event.changes["merged"] == drop.pk and event.changes["kept"] == keep.pk and event.reason == "same person"


def test_the_responsibility_chain_is_audited(tree, user_a):
    row = area_services.responsible_assign(user=user_a, area=tree["grid_a"], tier="grid_worker", name="赵网格",
                                           phone="13900000001")
    area_services.responsible_replace(user=user_a, responsible=row, name="钱网格", phone="13900000002")
    events = list(AuditEvent.objects.filter(action="areas.responsible.manage").order_by("id"))
    assert len(events) == 3  # the first, its successor, the first taken off the chain
    assert events[0].changes["phone"] == "139****0001"
    assert events[2].changes == {"active": [True, False]} and "replaced by" in events[2].reason


def test_a_user_bound_to_no_area_is_in_no_scope(tree):
    unbound = make_user("unbound", "", "district")
    assert not in_scope(unbound, tree["grid_a"].code)
    with pytest.raises(NotPermitted, match="bound to no area"):
        services.household_create(user=unbound, area=tree["grid_a"])
