"""Personal check-in links: issued per open order, revocable, expiring, dead once the order closes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from fangkong.arrivals import services as arrivals_services
from fangkong.control import selectors, services
from fangkong.control.models import CheckIn, CheckinLink, ControlOrder, Escalation
from fangkong.control.public_tokens import checkin_token
from fangkong.core.clock import today
from fangkong.core.errors import InvalidInput
from fangkong.people.services import household_create, person_register
from tests.conftest import make_id_number, make_user


@pytest.fixture
def order(tree, user_a):
    household = household_create(user=user_a, area=tree["grid_a"], address="三号楼")
    person = person_register(area=tree["grid_a"], household=household, name="钱七", id_number=make_id_number(seq="551"))
    arrival = arrivals_services.arrival_register(by=user_a, person=person, household=household, category="inbound",
                                        origin_name="新加坡", arrived_on=today(), source="manual")
    return arrival.orders.get()


def test_a_new_link_replaces_the_previous_one(order, user_a):
    first = services.checkin_link_issue(by=user_a, order=order)
    second = services.checkin_link_issue(by=user_a, order=order)
    first.refresh_from_db()
    assert services.checkin_link_state(first) == "revoked"
    assert services.checkin_link_state(second) == "ok"
    assert selectors.checkin_link_active(order=order) == second


def test_a_link_expires_after_the_configured_days(order, user_a, settings):
    link = services.checkin_link_issue(by=user_a, order=order)
    days = settings.FANGKONG_PUBLIC["CHECKIN_LINK_DAYS"]
    assert services.checkin_link_state(link, at=timezone.now() + dt.timedelta(days=days, minutes=1)) == "expired"
    assert services.checkin_link_state(link, at=timezone.now() + dt.timedelta(days=days - 1)) == "ok"


def test_a_revoked_link_is_refused(order, user_a):
    link = services.checkin_link_revoke(by=user_a, link=services.checkin_link_issue(by=user_a, order=order))
    with pytest.raises(InvalidInput):
        services.checkin_self_record(link=link, temperature="36.5")
    assert not CheckIn.objects.exists()


def test_the_link_stops_working_when_the_order_is_closed(order, user_a):
    link = services.checkin_link_issue(by=user_a, order=order)
    ControlOrder.objects.filter(pk=order.pk).update(status=ControlOrder.Status.RELEASED)
    link = CheckinLink.objects.get(pk=link.pk)
    assert services.checkin_link_state(link) == "closed"


def test_no_link_is_issued_for_a_closed_order(order, user_a):
    ControlOrder.objects.filter(pk=order.pk).update(status=ControlOrder.Status.CANCELLED)
    order.refresh_from_db()
    with pytest.raises(InvalidInput):
        services.checkin_link_issue(by=user_a, order=order)


def test_a_self_checkin_is_recorded_as_by_the_person(order, user_a):
    link = services.checkin_link_issue(by=user_a, order=order)
    checkin = services.checkin_self_record(link=link, temperature="36.6", symptoms=[])
    assert checkin.by == CheckIn.By.SELF and checkin.entered_by is None
    link.refresh_from_db()
    assert link.last_used_at is not None


def test_fever_through_the_link_escalates_like_any_checkin(order, user_a):
    link = services.checkin_link_issue(by=user_a, order=order)
    services.checkin_self_record(link=link, temperature="38.2", symptoms=["cough"])
    order.refresh_from_db()
    assert order.status == ControlOrder.Status.ESCALATED
    assert Escalation.objects.get(order=order).kind == Escalation.Kind.FEVER


def test_a_worker_of_another_area_cannot_issue_a_link(order, user_b):
    with pytest.raises(Http404):
        services.checkin_link_issue(by=user_b, order=order)


def test_a_read_only_user_cannot_issue_a_link(order, tree):
    with pytest.raises(PermissionDenied):
        services.checkin_link_issue(by=make_user("viewer", tree["county_a"].code, "read_only"), order=order)


def test_the_token_finds_its_link_only_with_the_right_nonce(order, user_a):
    link = services.checkin_link_issue(by=user_a, order=order)
    assert selectors.checkin_link_from_token(checkin_token(link.pk, link.nonce)) == link
    assert selectors.checkin_link_from_token(checkin_token(link.pk, "x" * 22)) is None


def test_the_status_shows_a_masked_name_and_todays_counts(order, user_a):
    link = services.checkin_link_issue(by=user_a, order=order)
    services.checkin_self_record(link=link, temperature="36.5")
    status = selectors.self_checkin_status(link=link, on=today())
    assert status.masked_name == "钱*"
    assert (status.done_today, status.required_per_day) == (1, order.checkins_per_day)
    assert status.test_due_today is True  # inbound: test on day 1


# --- the API for staff ---

def test_the_api_issues_a_link_that_opens_the_personal_page(client, order, user_a, token_for):
    answer = client.post(f"/api/v1/control/orders/{order.pk}/checkin-link", **token_for(user_a))
    assert answer.status_code == 201
    body = answer.json()
    assert "/c/" in body["url"] and CheckinLink.objects.get().pk == body["id"]
    path = body["url"].split("testserver", 1)[1]
    assert client.get(path).status_code == 200
    assert client.post(f"/api/v1/control/orders/{order.pk}/checkin-link/revoke", **token_for(user_a)).status_code == 204
    assert client.get(path).status_code == 410


def test_the_api_refuses_a_link_for_a_closed_order_naming_the_field(client, order, user_a, token_for):
    ControlOrder.objects.filter(pk=order.pk).update(status=ControlOrder.Status.RELEASED)
    answer = client.post(f"/api/v1/control/orders/{order.pk}/checkin-link", **token_for(user_a))
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "order"


def test_the_api_answers_403_to_a_read_only_user_and_404_to_another_area(client, order, tree, user_b, token_for):
    viewer = make_user("viewer", tree["county_a"].code, "read_only")
    assert client.post(f"/api/v1/control/orders/{order.pk}/checkin-link", **token_for(viewer)).status_code == 403
    assert client.post(f"/api/v1/control/orders/{order.pk}/checkin-link", **token_for(user_b)).status_code == 404
    assert not CheckinLink.objects.exists()
