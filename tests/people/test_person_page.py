"""Issue 12 §3: a person's page shows their control picture (code colour and why, orders with test days and
results, check-ins, escalations, arrivals, tags, the responsible worker with a tel: link) and offers each action
only to the roles that may take it; another area's user still gets 404."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.areas.models import Responsible
from fangkong.arrivals import services as arrivals_services
from fangkong.control import services as control_services
from fangkong.healthcodes.models import HealthCode
from fangkong.people.services import household_create, person_register
from fangkong.risk.models import RiskArea
from tests.conftest import make_id_number, make_user


@pytest.fixture
def person_under_order(tree, user_a, django_capture_on_commit_callbacks):
    Responsible.objects.create(area=tree["grid_a"], area_code=tree["grid_a"].code, tier="grid_worker", name="王网格",
                               phone="13800001111")
    household = household_create(user=user_a, area=tree["grid_a"], address="五号楼")
    person = person_register(area=tree["grid_a"], household=household, name="周建国", id_number=make_id_number(seq="771"))
    person.tags = ["cold_chain"]
    person.save(update_fields=["tags"])
    RiskArea.objects.create(division_code="110105", region_name="北京市朝阳区", level="medium", starts_on=dt.date(2020, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        arrival = arrivals_services.arrival_register(
            by=user_a, person=person, household=household, category="risk_area_arrival", origin_code="110105",
            origin_name="北京市朝阳区", arrived_on=dt.date.today(), source="manual")
        order = arrival.orders.get()
        control_services.checkin_record(by=user_a, order=order, temperature="38.2")
    return person, order


def test_the_worker_sees_the_whole_control_picture_and_the_actions_of_their_role(client, person_under_order, user_a):
    person, order = person_under_order
    client.force_login(user_a)
    page = client.get(f"/people/{person.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    code = HealthCode.objects.get(person=person)
    assert code.colour == "yellow" and 'class="colour colour-yellow"' in page
    assert all(reason in page for reason in code.reasons)
    assert f"/control/orders/{order.pk}/" in page and "国家防控方案第九版" in page and "national-9th" not in page
    assert all(t.due_on.isoformat() in page for t in order.tests.all())
    assert "38.2" in page  # the check-in, and the fever it escalated
    assert "北京市朝阳区" in page and "cold_chain" in page
    assert f"/control/arrivals/new/{person.pk}/" in page  # a grid worker registers arrivals
    assert 'href="tel:13800001111"' in page and "王网格" in page


def test_a_read_only_user_sees_the_picture_without_buttons_and_another_area_gets_404(client, person_under_order, tree,
                                                                                       user_b):
    person, order = person_under_order
    client.force_login(make_user("viewer", tree["county_a"].code, "read_only"))
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert f"/control/orders/{order.pk}/" in page
    assert f"/control/arrivals/new/{person.pk}/" not in page and "Record check-in" not in page
    client.force_login(user_b)
    assert client.get(f"/people/{person.pk}/").status_code == 404


def test_the_household_page_offers_registering_an_arrival_to_those_who_may(client, person_under_order, user_a, tree):
    person, _order = person_under_order
    client.force_login(user_a)
    assert f"/control/arrivals/new/{person.pk}/" in client.get(f"/people/households/{person.household_id}/").content.decode()
    client.force_login(make_user("viewer2", tree["county_a"].code, "read_only"))
    assert f"/control/arrivals/new/{person.pk}/" not in client.get(f"/people/households/{person.household_id}/").content.decode()
