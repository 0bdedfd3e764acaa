import datetime as dt
import json

import pytest

from fangkong.areas.models import Responsible
from fangkong.healthcodes.models import Verification
from fangkong.people.services import household_create, person_register
from fangkong.risk.models import RiskArea
from tests.conftest import make_id_number, make_user


@pytest.fixture
def person(tree, user_a):
    grid = tree["grid_a"]
    Responsible.objects.create(area=grid, area_code=grid.code, tier="grid_worker", name="王网格", phone="13900000001", user=user_a)
    household = household_create(user=user_a, area=grid, address="二号楼")
    RiskArea.objects.create(division_code="110105", region_name="北京市朝阳区", level="medium", starts_on=dt.date(2020, 1, 1))
    return person_register(area=grid, household=household, name="赵六", id_number=make_id_number(born="19920202", seq="332"))


def post(client, url, body, headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_a_worker_registers_an_arrival_checks_in_and_sees_the_task_list(client, person, user_a, token_for):
    headers = token_for(user_a)
    today = dt.date.today().isoformat()
    created = post(client, "/api/v1/control/arrivals", {
        "person_id": person.pk, "category": "risk_area_arrival", "origin_code": "110105", "origin_name": "北京市朝阳区",
        "arrived_on": today}, headers)
    assert created.status_code == 201, created.content
    assert created.json()["routed_to"] == "王网格"
    order = created.json()["order"]
    assert order["measures"][0]["measure"] == "home_isolation"
    assert order["owner_name"] == "王网格"
    kinds = {t["kind"] for t in client.get("/api/v1/control/tasks/today", **headers).json()}
    assert {"visit", "test_due", "checkin_missing", "new_arrival"} <= kinds
    bad = post(client, f"/api/v1/control/orders/{order['id']}/checkins", {"temperature": 55}, headers)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "temperature"
    ok = post(client, f"/api/v1/control/orders/{order['id']}/checkins", {"temperature": 36.4}, headers)
    assert ok.status_code == 201 and ok.json()["order_status"] == "in_progress"


def test_an_arrival_in_the_future_gets_422_naming_the_field(client, person, user_a, token_for):
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    response = post(client, "/api/v1/control/arrivals", {
        "person_id": person.pk, "category": "returnee", "origin_name": "外省", "arrived_on": tomorrow}, token_for(user_a))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["arrived_on"]


def test_orders_of_another_area_are_not_found(client, person, user_a, user_b, token_for):
    order = post(client, "/api/v1/control/arrivals", {
        "person_id": person.pk, "category": "risk_area_arrival", "origin_code": "110105", "origin_name": "北京市朝阳区",
        "arrived_on": dt.date.today().isoformat()}, token_for(user_a)).json()["order"]
    other = token_for(user_b)
    assert client.get(f"/api/v1/control/orders/{order['id']}", **other).status_code == 404
    assert post(client, f"/api/v1/control/orders/{order['id']}/checkins", {"temperature": 36.5}, other).status_code == 404
    assert post(client, "/api/v1/control/arrivals", {"person_id": person.pk, "category": "returnee", "origin_name": "x",
                                                     "arrived_on": dt.date.today().isoformat()}, other).status_code == 404
    assert client.get("/api/v1/control/orders", **other).json() == []


def test_verification_answers_only_colour_masked_name_and_time_and_is_logged(
    client, person, user_a, tree, token_for, django_capture_on_commit_callbacks
):
    checkpoint = make_user("kakou", tree["county_b"].code, "checkpoint")  # a checkpoint anywhere may scan anyone
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "/api/v1/control/arrivals", {"person_id": person.pk, "category": "risk_area_arrival", "origin_code": "110105",
                                                  "origin_name": "北京市朝阳区", "arrived_on": dt.date.today().isoformat()}, token_for(user_a))
    person.refresh_from_db()
    token = person.health_code.token
    answer = post(client, "/api/v1/control/verify", {"token": token, "device": "gate-1"}, token_for(checkpoint))
    assert answer.status_code == 200
    assert set(answer.json()) == {"colour", "name", "at"}
    assert answer.json() == {**answer.json(), "colour": "yellow", "name": "赵*"}
    by_id = post(client, "/api/v1/control/verify", {"id_number": make_id_number(born="19920202", seq="332"), "device": "gate-1"},
                 token_for(checkpoint))
    assert by_id.json()["colour"] == "yellow"
    scans = Verification.objects.filter(device="gate-1", person=person)
    assert scans.count() == 2 and {(s.colour, s.verified_by_id) for s in scans} == {("yellow", checkpoint.pk)}
    assert post(client, "/api/v1/control/verify", {"token": "nope", "device": "gate-1"}, token_for(checkpoint)).status_code == 404
    miss = Verification.objects.get(device="gate-1", person=None)  # an unknown code is logged too, without a person
    assert miss.colour == "" and miss.verified_by_id == checkpoint.pk


def test_verification_is_rate_limited_per_user_whatever_device_name_it_sends(client, person, tree, token_for, monkeypatch):
    from fangkong.core import ratelimit
    from fangkong.healthcodes import verification

    checkpoint = make_user("kakou", tree["county_b"].code, "checkpoint")
    headers = token_for(checkpoint)
    # One minute's window, whatever the wall clock does while the requests run.
    monkeypatch.setattr(ratelimit, "now", lambda: dt.datetime(2022, 6, 1, 8, 0, 30, tzinfo=dt.UTC))
    statuses = [post(client, "/api/v1/control/verify", {"token": "x", "device": "burst"}, headers).status_code
                for _ in range(verification.VERIFY_PER_MINUTE + 3)]
    limit = verification.VERIFY_PER_MINUTE
    assert statuses == [404] * limit + [429] * 3
    assert Verification.objects.filter(device="burst").count() == limit  # refused scans are neither answered nor logged
    # A new device name does not buy new answers (20 names used to give 20 answers each).
    other = post(client, "/api/v1/control/verify", {"token": "x", "device": "other-gate"}, headers)
    assert other.status_code == 429 and 0 < int(other["Retry-After"]) <= 60
    typed = post(client, "/api/v1/control/verify", {"id_number": make_id_number(born="19920202", seq="332"), "device": "x2"},
                 headers)
    assert typed.status_code == 429  # the typed-number path counts against the same user
    # Another scanner has its own allowance.
    other_user = token_for(make_user("kakou2", tree["county_b"].code, "checkpoint"))
    assert post(client, "/api/v1/control/verify", {"token": "x", "device": "burst"}, other_user).status_code == 404
