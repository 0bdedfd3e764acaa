"""A person under control transferred to hospital: the worker transfers, the hospital takes over and discharges."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from fangkong.arrivals import services as arrivals_services
from fangkong.control import services
from fangkong.control.models import ControlOrder
from fangkong.core.clock import today
from fangkong.core.models import AuditEvent, Unit
from fangkong.healthcodes import services as hc_services
from fangkong.people.services import household_create, person_create
from tests.conftest import make_id_number, make_user


@pytest.fixture
def order(tree, user_a):
    household = household_create(user=user_a, area=tree["grid_a"])
    person = person_create(user=user_a, household=household, name="钱七", id_number=make_id_number(seq="551"))
    arrival = arrivals_services.arrival_register(by=user_a, person=person, household=household, category="inbound",
                                        origin_name="某国", arrived_on=today() - dt.timedelta(days=1), source="manual")
    return arrival.orders.get()


def test_transfer_take_over_and_discharge(tree, user_a, order, client):
    hospital = Unit.objects.create(code="h1", name="市定点医院", kind=Unit.Kind.HOSPITAL, area_code=tree["city"].code)
    doctor = make_user("doc", tree["city"].code, "hospital", unit=hospital)
    with pytest.raises(PermissionDenied):  # a hospital does not send people to itself
        services.order_transfer_to_hospital(by=doctor, order=order, reason="发热")
    services.order_transfer_to_hospital(by=user_a, order=order, reason="发热38.5℃")
    with pytest.raises(PermissionDenied):  # the worker does not admit
        services.order_hospital_admit(by=user_a, order=order)
    client.force_login(doctor)
    page = client.get(f"/control/orders/{order.pk}/").content.decode()
    assert "Take over" in page and "Record check-in" not in page and 'value="positive"' not in page
    client.post(f"/control/orders/{order.pk}/hospital/", {"step": "admit"})
    order.refresh_from_db()
    assert order.status == "hospital" and order.admitted_at and order.hospital == hospital
    client.post(f"/control/orders/{order.pk}/hospital/", {"step": "discharge", "note": "治愈出院"})
    order.refresh_from_db()
    assert order.status == ControlOrder.Status.RELEASED and order.closing_reason == "治愈出院"
    steps = list(AuditEvent.objects.filter(object_type="controlorder", object_id=str(order.pk))
                 .order_by("id").values_list("action", "actor_name"))
    assert steps == [("control.order.transfer", "alice"), ("control.hospital.admit", "doc"),
                     ("control.hospital.discharge", "doc")]


def test_a_hospital_of_another_city_area_cannot_see_the_order(tree, user_a, order, token_for, client):
    services.order_transfer_to_hospital(by=user_a, order=order, reason="阳性")
    doctor_b = make_user("doc-b", tree["county_b"].code, "hospital")
    r = client.post(f"/api/v1/control/orders/{order.pk}/hospital/admit", content_type="application/json",
                    **token_for(doctor_b))
    assert r.status_code == 404


def test_a_positive_person_in_hospital_stays_red(tree, user_a, order, django_capture_on_commit_callbacks):
    from fangkong.healthcodes.models import HealthCode

    test = order.tests.order_by("due_on").first()
    with django_capture_on_commit_callbacks(execute=True):
        services.test_result_record(by=user_a, test=test, positive=True)
    services.order_transfer_to_hospital(by=user_a, order=order, reason="阳性转运")
    assert hc_services.health_code_refresh(person=order.person).colour == "red"
    assert hc_services.health_codes_refresh(person_ids=[order.person_id]) == 0
    assert HealthCode.objects.get(person=order.person).colour == "red"
