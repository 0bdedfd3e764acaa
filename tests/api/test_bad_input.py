"""Bad input gets a clear 4xx, never a 500 (issue 11 §7): numbers that are not numbers, dates at the ends of
the calendar, bodies that are too big, uploads without a boundary."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from fangkong.areas.models import Responsible
from fangkong.people.services import household_create, person_register
from fangkong.risk.models import RiskArea
from tests.conftest import make_id_number


@pytest.fixture
def api(user_a, token_for):
    client = Client(raise_request_exception=False)  # a 500 is an answer to check, not an exception in the test
    headers = token_for(user_a)

    class Caller:
        def get(self, path, **params):
            return client.get("/api/v1" + path, params, **headers)

        def post(self, path, body, content_type="application/json"):
            data = body if isinstance(body, bytes | str) else json.dumps(body)
            return client.post("/api/v1" + path, data, content_type=content_type, **headers)

    return Caller()


@pytest.fixture
def order(tree, user_a, api):
    grid = tree["grid_a"]
    Responsible.objects.create(area=grid, area_code=grid.code, tier="grid_worker", name="王网格", phone="13900000001", user=user_a)
    household = household_create(user=user_a, area=grid, address="二号楼")
    RiskArea.objects.create(division_code="110105", region_name="北京市朝阳区", level="medium", starts_on=dt.date(2020, 1, 1))
    person = person_register(area=grid, household=household, name="赵六", id_number=make_id_number(born="19920202", seq="332"))
    created = api.post("/control/arrivals", {"person_id": person.pk, "category": "risk_area_arrival", "origin_code": "110105",
                                             "origin_name": "北京市朝阳区", "arrived_on": dt.date.today().isoformat()})
    assert created.status_code == 201, created.content
    return created.json()["order"]


def fields_of(response) -> list:
    return [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "1e308", "-300", "true", '"36.5"'])
def test_a_temperature_that_is_not_a_finite_plausible_number_is_422(api, order, number):
    r = api.post(f"/control/orders/{order['id']}/checkins", '{"temperature": ' + number + '}')
    assert r.status_code == 422, r.content
    assert fields_of(r) == ["temperature"]


def test_a_finite_temperature_is_still_taken(api, order):
    assert api.post(f"/control/orders/{order['id']}/checkins", {"temperature": 37}).status_code == 201


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2100-01-01"])
@pytest.mark.parametrize("path", ["/risk-areas/", "/risk-areas/level", "/control/checkpoints/counts"])
def test_a_day_at_the_ends_of_the_calendar_is_422_not_an_overflow(api, tree, path, day):
    params = {"on": day} | ({"code": tree["county_a"].code} if path.endswith("level") else {})
    r = api.get(path, **params)
    assert r.status_code == 422, r.content
    assert fields_of(r) == ["on"]
    assert "1900-01-01" in r.json()["errors"][0]["reason"]


@pytest.mark.parametrize("param", ["born_from", "born_to"])
def test_a_birth_date_range_at_the_ends_of_the_calendar_is_422(api, tree, param):
    for day in ("0001-01-01", "9999-12-31"):
        r = api.get("/persons", **{param: day})
        assert r.status_code == 422 and fields_of(r) == [param], r.content


def test_dates_in_bodies_at_the_ends_of_the_calendar_are_422(api, order, tree):
    person_id = order["person_id"]
    for day in ("0001-01-01", "9999-12-31"):
        r = api.post("/control/arrivals", {"person_id": person_id, "category": "returnee", "origin_name": "北京",
                                           "arrived_on": day})
        assert r.status_code == 422 and fields_of(r) == ["arrived_on"], r.content
    r = api.post("/control/gatherings", {
        "area_code": tree["county_a"].code, "title": "婚礼", "kind": "wedding", "organiser": "张家", "contact_name": "张三",
        "contact_phone": "13800001111", "venue": "饭店", "starts_at": "9999-12-31T10:00", "ends_at": "9999-12-31T23:59",
        "expected_attendance": 100, "plan_text": "方案"})
    assert r.status_code == 422 and set(fields_of(r)) == {"starts_at", "ends_at"}, r.content


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "1899-12", "2100-01"])
def test_a_calendar_month_at_the_ends_of_the_calendar_is_422(api, tree, month):
    # Found by the schemathesis run: year 0 was a 500 (date.fromisoformat), year 9999 would overflow the month after.
    r = api.get("/control/gatherings/calendar", month=month)
    assert r.status_code == 422 and fields_of(r) == ["month"], r.content


def test_facts_with_a_number_for_a_day_or_a_flag_are_422(api):
    # pydantic alone read 0 as 1970-01-01 and 0 as false, though the schema says a date and a boolean.
    fact = {"id": "a", "category": "inbound", "arrival_date": "2022-05-01"}
    for wrong in ({"arrival_date": 0}, {"released_from_centralized_isolation": 0}, {"arrival_date": "0001-01-01"}):
        r = api.post("/policy/evaluate", {"profile": "national-9th-2022", "facts": [fact | wrong]})
        assert r.status_code == 422 and fields_of(r) == ["facts"], r.content
    assert api.post("/policy/evaluate", {"profile": "national-9th-2022", "facts": [fact]}).status_code == 200


UPLOADS_API = ["/imports", "/arrival-imports", "/risk-areas/import"]
UPLOADS_UI = ["people:import", "arrivals:arrival_import", "risk:risk_areas", "gatherings:gathering_new"]


@pytest.mark.parametrize("path", UPLOADS_API)
def test_an_api_upload_without_a_boundary_is_400_naming_the_header(api, path):
    r = api.post(path, b"--x\r\n", content_type="multipart/form-data")
    assert r.status_code == 400, r.content
    assert fields_of(r) == ["Content-Type"] and "boundary" in r.json()["errors"][0]["reason"]


@pytest.mark.parametrize("name", UPLOADS_UI)
def test_a_page_upload_without_a_boundary_is_a_400_page_saying_why(user_a, name):
    from django.urls import reverse

    client = Client(raise_request_exception=False)
    client.force_login(user_a)
    r = client.post(reverse(name), b"--x\r\n", content_type="multipart/form-data")
    assert r.status_code == 400
    assert "boundary" in r.content.decode()


def test_a_json_body_of_20_mb_is_413(api):
    r = api.post("/households", {"address": "x" * (20 * 1024 * 1024)})
    assert r.status_code == 413, r.content[:300]
    assert fields_of(r) == ["body"]


def test_an_upload_keeps_its_own_larger_limit(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024  # far below the file: the upload limit applies, not this one
    client = Client(raise_request_exception=False)
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("areas.csv", b"a" * 4096, content_type="text/csv")
    response = client.post("/api/v1/risk-areas/import", {"file": big})
    assert response.status_code != 413
    settings.FANGKONG_UPLOAD_MAX_MB = 0
    big.seek(0)
    response = client.post("/api/v1/risk-areas/import", {"file": big})
    assert response.status_code == 413 and response.json()["errors"][0]["field"] == "file"
