"""A rule's release conditions (`release_requires`) hold an order open: 次密接 are released only when their close
contact's first two tests were negative (national 9th edition). The platform cannot check that yet (contacts are
linked by the tracing work), so the scheduled release leaves the order open and a user must confirm it by name."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from fangkong.control import release, services
from fangkong.control.models import ControlOrder, ScheduledTest
from fangkong.core.clock import today
from fangkong.core.errors import InvalidInput
from fangkong.core.models import AuditEvent
from fangkong.people.services import household_create, person_create
from fangkong.policy.engine import Facts, Plan
from tests.conftest import make_id_number

CONDITION = "linked_close_contact_first_two_tests_negative"


def _order(user, tree, category: str, seq: str) -> ControlOrder:
    household = household_create(user=user, area=tree["grid_a"])
    person = person_create(user=user, household=household, name="孙八", id_number=make_id_number(seq=seq))
    facts = Facts(id=str(person.pk), category=category, last_exposure_date=today() - dt.timedelta(days=20))
    order = services.order_from_facts(person=person, facts=facts)
    order.tests.update(status=ScheduledTest.Status.NEGATIVE)  # the whole schedule done, every test negative
    return order


@pytest.fixture
def secondary(tree, user_a):
    return _order(user_a, tree, "secondary_contact", "661")


def test_the_rule_in_force_names_the_condition(secondary):
    assert release.requirements_of(secondary) == (CONDITION,)


def test_the_scheduled_release_leaves_an_order_with_an_unconfirmed_condition_open(tree, user_a, secondary):
    close = _order(user_a, tree, "close_contact", "662")
    services.orders_release_due()
    secondary.refresh_from_db()
    close.refresh_from_db()
    assert close.status == ControlOrder.Status.RELEASED  # no condition: released as before
    assert secondary.status in ControlOrder.OPEN


def test_a_user_releases_only_by_confirming_the_condition_and_the_audit_names_it(user_a, secondary):
    with pytest.raises(InvalidInput) as refused:
        services.order_release(by=user_a, order=secondary)
    assert CONDITION in refused.value.errors and "first two" in refused.value.errors[CONDITION]
    services.order_release(by=user_a, order=secondary, confirmed=[CONDITION])
    secondary.refresh_from_db()
    assert secondary.status == ControlOrder.Status.RELEASED and CONDITION in secondary.closing_reason
    event = AuditEvent.objects.filter(action="control.order.release", object_id=str(secondary.pk)).get()
    assert event.changes["confirmed"] == [CONDITION] and event.actor_id == user_a.pk


def test_a_registered_check_that_finds_the_condition_unmet_blocks_even_a_confirmation(user_a, secondary, monkeypatch):
    monkeypatch.setitem(release._CHECKS, CONDITION, lambda order: False)
    with pytest.raises(InvalidInput) as refused:
        services.order_release(by=user_a, order=secondary, confirmed=[CONDITION])
    assert "not met" in refused.value.errors[CONDITION]
    monkeypatch.setitem(release._CHECKS, CONDITION, lambda order: True)
    services.order_release(by=None, order=secondary)  # met: even the scheduled release may release it
    secondary.refresh_from_db()
    assert secondary.status == ControlOrder.Status.RELEASED


def test_the_api_and_the_order_page_take_the_confirmation(client, user_a, secondary, token_for):
    url = f"/api/v1/control/orders/{secondary.pk}/release"
    refused = client.post(url, {}, content_type="application/json", **token_for(user_a))
    assert refused.status_code == 422 and CONDITION in refused.content.decode()
    client.force_login(user_a)
    page = client.get(f"/control/orders/{secondary.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'value="{CONDITION}"' in page
    ok = client.post(url, {"confirmed": [CONDITION]}, content_type="application/json", **token_for(user_a))
    assert ok.status_code == 200 and ok.json()["status"] == "released"


# Every field of a plan that the policy engine derives is used by the platform: a rule written in a profile
# must change what happens, or the profile says more than the platform does. Each field names the module that
# reads it, and the test reads that module.
PLAN_FIELD_CONSUMERS = {
    "id": "control/services.py",  # order_from_facts: the person the plan is for
    "rule_id": "control/services.py",  # ControlOrder.rule_id; control/release.py finds the rule by it
    "measures": "control/services.py",  # _write_schedule: OrderMeasure and ScheduledTest rows
    "requires_negative_test_within_days": "control/public_views.py",  # the declaration's answer
    "explanation": "control/services.py",  # ControlOrder.explanation, shown on the order and in the API
    "checkins_per_day": "control/services.py",  # the worker's day and the missed check-in scan
    "release_requires": "control/release.py",  # order_release, orders_release_due
}
# Fields read only by the policy's own evaluate command and API so far, with why.
NOT_YET_CONSUMED = {
    "refused_entry": "no shipped profile refuses entry; the checkpoint screen should advise turning back (劝返)",
}


def test_every_field_of_a_plan_has_a_consumer():
    from pathlib import Path

    import fangkong

    root = Path(fangkong.__file__).parent
    assert {f.name for f in dataclasses.fields(Plan)} == set(PLAN_FIELD_CONSUMERS) | set(NOT_YET_CONSUMED)
    for name, module in PLAN_FIELD_CONSUMERS.items():
        assert name in (root / module).read_text(encoding="utf-8"), f"{module} does not read plan.{name}"
