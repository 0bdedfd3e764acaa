"""The checkpoint API: /api/v1/control/checkpoints…"""

import datetime as dt
import json

import pytest

from fangkong.areas.models import Responsible
from fangkong.arrivals.models import Arrival, Checkpoint, Passage
from fangkong.people.models import Person
from fangkong.risk.models import RiskArea
from tests.conftest import make_id_number, make_user

ID_1 = make_id_number(region="110105", born="19920303", seq="452")
ID_2 = make_id_number(region="310115", born="19700505", seq="613")


@pytest.fixture
def highway(tree):
    grid = tree["grid_a"]
    Responsible.objects.create(area=grid, area_code=grid.code, tier="grid_worker", name="王网格", phone="13900000001")
    RiskArea.objects.create(division_code="110105", region_name="北京市朝阳区", level="medium", starts_on=dt.date(2020, 1, 1))
    return Checkpoint.objects.create(name="连霍高速商丘东", channel="highway", area=tree["county_a"], area_code=tree["county_a"].code)


@pytest.fixture
def staff(tree, token_for):
    return token_for(make_user("kakou", tree["county_a"].code, "checkpoint"))


def post(client, url, body, headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def carload(tree, **changes):
    body = {"plate": "豫N12345", "origin": "110105", "destination": tree["grid_a"].code, "passengers": [
        {"name": "张三", "id_number": ID_1, "temperature": 36.6, "colour": "green", "phone": "13812345678"},
        {"name": "王五", "id_number": ID_2, "temperature": 37.8, "colour": "green"},
    ]}
    body.update(changes)
    return body


def test_staff_record_a_carload_and_the_counts_follow(client, tree, highway, staff):
    created = post(client, f"/api/v1/control/checkpoints/{highway.pk}/passages", carload(tree), staff)
    assert created.status_code == 201, created.content
    first, second = created.json()["passengers"]
    assert first["outcome"] == "let_through" and first["arrival_id"] and first["name"] == "张*"
    assert first["id_number"] == ID_1[:6] + "*" * 11 + ID_1[-1:]
    assert second["outcome"] == "medical" and second["fever"] and second["arrival_id"] is None
    arrival = Arrival.objects.get(pk=first["arrival_id"])
    assert arrival.routed_to.name == "王网格" and arrival.orders.get().rule_id == "medium-risk-arrival"
    counts = client.get(f"/api/v1/control/checkpoints/{highway.pk}/counts", **staff).json()
    assert {k: counts[k] for k in ("vehicles", "people", "let_through", "medical", "fever", "turned_back")} == {
        "vehicles": 1, "people": 2, "let_through": 1, "medical": 1, "fever": 1, "turned_back": 0}
    listed = client.get(f"/api/v1/control/checkpoints/{highway.pk}/passages", **staff).json()
    assert [p["plate"] for p in listed] == ["豫N12345"]
    assert ID_1 not in json.dumps(listed, ensure_ascii=False) and "13812345678" not in json.dumps(listed)


def test_a_temperature_of_55_gets_422_naming_the_person_and_field_and_writes_nothing(client, tree, highway, staff):
    body = carload(tree)
    body["passengers"][1]["temperature"] = 55
    response = post(client, f"/api/v1/control/checkpoints/{highway.pk}/passages", body, staff)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "passengers.1.temperature", "reason": "55.0 °C is not a body temperature (34–43 °C)"}]
    assert not Passage.objects.exists() and not Arrival.objects.exists() and not Person.objects.exists()


def test_a_bad_plate_and_a_missing_name_are_named(client, tree, highway, staff):
    body = carload(tree, plate="ABC123")
    del body["passengers"][0]["name"]
    response = post(client, f"/api/v1/control/checkpoints/{highway.pk}/passages", body, staff)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["passengers.0.name"]
    body["passengers"][0]["name"] = "张三"
    response = post(client, f"/api/v1/control/checkpoints/{highway.pk}/passages", body, staff)
    assert [e["field"] for e in response.json()["errors"]] == ["plate"]


def test_a_fever_sent_through_is_refused(client, tree, highway, staff):
    body = carload(tree)
    body["passengers"][1]["outcome"] = "let_through"
    response = post(client, f"/api/v1/control/checkpoints/{highway.pk}/passages", body, staff)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "passengers.1.outcome"


def test_a_time_without_zone_is_refused(client, tree, highway, staff):
    response = post(client, f"/api/v1/control/checkpoints/{highway.pk}/passages", carload(tree, at="2026-01-01T10:00:00"), staff)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "at"


def test_the_list_and_counts_cover_the_callers_subtree_only(client, tree, highway, token_for):
    other = Checkpoint.objects.create(name="睢阳国道", channel="road", area=tree["county_b"], area_code=tree["county_b"].code)
    city = token_for(make_user("chief", tree["city"].code, "city_command"))
    county_a = token_for(make_user("county", tree["county_a"].code, "district"))
    assert {c["name"] for c in client.get("/api/v1/control/checkpoints", **city).json()} == {highway.name, other.name}
    assert [c["name"] for c in client.get("/api/v1/control/checkpoints", **county_a).json()] == [highway.name]
    assert [c["name"] for c in client.get("/api/v1/control/checkpoints?channel=road", **city).json()] == [other.name]
    counts = client.get("/api/v1/control/checkpoints/counts?on=2026-01-01", **county_a).json()
    assert counts == [{"checkpoint_id": highway.pk, "name": highway.name, "channel": "highway", "on": "2026-01-01",
                       "vehicles": 0, "people": 0, "let_through": 0, "turned_back": 0, "medical": 0, "fever": 0}]
    assert client.get(f"/api/v1/control/checkpoints/{other.pk}/counts", **county_a).status_code == 404
    assert post(client, f"/api/v1/control/checkpoints/{other.pk}/passages", carload(tree), county_a).status_code == 404


def test_a_misspelt_filter_is_refused(client, highway, staff):
    response = client.get("/api/v1/control/checkpoints?chanel=road", **staff)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "chanel"


def test_the_command_opens_a_checkpoint_and_staff_may_not(client, tree, staff, token_for):
    city = token_for(make_user("chief", tree["city"].code, "city_command"))
    body = {"name": "商丘站出站口", "channel": "railway", "area_code": tree["town_b"].code, "location": "北广场"}
    made = post(client, "/api/v1/control/checkpoints", body, city)
    assert made.status_code == 201 and made.json()["area_name"] == tree["town_b"].name
    again = post(client, "/api/v1/control/checkpoints", body, city)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "name"
    denied = post(client, "/api/v1/control/checkpoints", {**body, "area_code": tree["county_a"].code}, staff)
    assert denied.status_code == 403


def test_a_district_cannot_open_a_checkpoint_in_another_county(client, tree, token_for):
    from tests.conftest import make_user

    district_a = token_for(make_user("dist-a", tree["county_a"].code, "district"))
    body = {"name": "越界卡口", "channel": "road", "area_code": tree["county_b"].code}
    assert post(client, "/api/v1/control/checkpoints", body, district_a).status_code == 404
    own = {"name": "本县卡口", "channel": "road", "area_code": tree["county_a"].code}
    assert post(client, "/api/v1/control/checkpoints", own, district_a).status_code == 201
