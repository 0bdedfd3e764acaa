"""Gatherings through the API (/api/v1/control/gatherings…) and the pages, as their users meet them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from fangkong.core.models import AccessLog
from fangkong.gatherings.models import Gathering
from fangkong.risk.models import RiskArea
from tests.conftest import make_user

TZ = timezone.get_default_timezone()
PDF = b"%PDF-1.4\n%%EOF\n"


def local(days: int, hour: int = 10) -> dt.datetime:
    day = timezone.now().astimezone(TZ).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour))


@pytest.fixture
def users(tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return {
        "applicant": make_user("wang", tree["village_a"].code, "grid_worker"),
        "township": make_user("tina", tree["town_a"].code, "township"),
        "village_cmd": make_user("vic", tree["village_a"].code, "township"),
        "other": make_user("olga", tree["county_b"].code, "district"),
    }


class Api:
    def __init__(self, user, token_for):
        self.client, self.headers = Client(), token_for(user)

    def get(self, path, **query):
        return self.client.get(f"/api/v1/control{path}", query, **self.headers)

    def post(self, path, body=None):
        return self.client.post(f"/api/v1/control{path}", json.dumps(body or {}), content_type="application/json", **self.headers)


@pytest.fixture
def api(users, token_for):
    return lambda name: Api(users[name], token_for)


def body(tree, **extra) -> dict:
    start = local(4, 18)
    out = {"area_code": tree["village_a"].code, "title": "李家婚宴", "kind": "wedding", "organiser": "李某",
           "contact_name": "李四", "contact_phone": "13700001111", "venue": "村委会大院", "starts_at": start.isoformat(timespec="minutes"),
           "ends_at": (start + dt.timedelta(hours=4)).isoformat(timespec="minutes"), "expected_attendance": 150,
           "plan_text": "验码测温，登记来宾", "measures": ["scan_codes", "masks"]}
    out.update(extra)
    return out


def errors_of(response) -> dict:
    return {e["field"]: e["reason"] for e in response.json()["errors"]}


def test_the_api_takes_an_application_and_the_township_approves_it(tree, api):
    created = api("applicant").post("/gatherings", body(tree))
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "submitted" and data["contact_phone"] == "137****1111" and data["masked"]
    assert data["approver_code"] == tree["town_a"].code and data["actions"] == ["withdraw"]
    assert data["starts_at"].endswith("+08:00") or data["starts_at"].endswith("Z")
    pending = api("township").get("/gatherings/pending").json()
    assert [g["id"] for g in pending["items"]] == [data["id"]]
    approved = api("township").post(f"/gatherings/{data['id']}/approve", {"reason": "方案可行"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert [s["status"] for s in approved.json()["steps"]] == ["submitted", "approved"]


def test_the_api_refuses_50_people_naming_the_field(tree, api):
    response = api("applicant").post("/gatherings", body(tree, expected_attendance=50))
    assert response.status_code == 422
    assert "need no application" in errors_of(response)["expected_attendance"]


def test_the_api_refuses_an_event_in_a_risk_area_with_the_reason(tree, api):
    RiskArea.objects.create(division_code=tree["town_a"].code, region_name="梁园区一街道", level="high",
                            starts_on=local(0).date() - dt.timedelta(days=3))
    response = api("applicant").post("/gatherings", body(tree))
    assert response.status_code == 422
    assert "梁园区一街道" in errors_of(response)["area_code"]


def test_the_api_answers_403_at_the_events_level_and_404_off_the_chain(tree, api):
    pk = api("applicant").post("/gatherings", body(tree)).json()["id"]
    refused = api("village_cmd").post(f"/gatherings/{pk}/approve")
    assert refused.status_code == 403 and "level or below" in refused.json()["errors"][0]["reason"]
    assert api("other").post(f"/gatherings/{pk}/approve").status_code == 404
    assert api("other").get(f"/gatherings/{pk}").status_code == 404
    assert api("other").post("/gatherings", body(tree)).status_code == 404


def test_a_rejection_without_a_reason_is_422(tree, api):
    pk = api("applicant").post("/gatherings", body(tree)).json()["id"]
    assert api("township").post(f"/gatherings/{pk}/reject", {"reason": ""}).status_code == 422
    rejected = api("township").post(f"/gatherings/{pk}/reject", {"reason": "人数过多"})
    assert rejected.json()["status"] == "rejected" and rejected.json()["reason"] == "人数过多"


def test_a_time_written_as_a_number_is_refused(tree, api):
    response = api("applicant").post("/gatherings", body(tree, starts_at=1900000000))
    assert response.status_code == 422 and "starts_at" in errors_of(response)


def test_the_decider_reads_the_full_phone_with_a_reason_and_it_is_logged(tree, api):
    pk = api("applicant").post("/gatherings", body(tree)).json()["id"]
    assert api("township").get(f"/gatherings/{pk}", unmask="true").status_code == 422
    shown = api("township").get(f"/gatherings/{pk}", unmask="true", reason="电话核实")
    assert shown.json()["contact_phone"] == "13700001111" and not shown.json()["masked"]
    assert AccessLog.objects.filter(object_type="gathering", object_id=str(pk), username="tina").count() == 1
    assert api("village_cmd").get(f"/gatherings/{pk}", unmask="true", reason="x").status_code == 403


def test_the_plan_file_goes_up_and_comes_back_as_a_download(tree, api, users, token_for):
    pk = api("applicant").post("/gatherings", body(tree)).json()["id"]
    client, headers = Client(), token_for(users["applicant"])
    bad = client.post(f"/api/v1/control/gatherings/{pk}/plan", {"file": SimpleUploadedFile("p.pdf", b"MZ\x90")}, **headers)
    assert bad.status_code == 422 and "plan_file" in errors_of(bad)
    up = client.post(f"/api/v1/control/gatherings/{pk}/plan", {"file": SimpleUploadedFile("防疫方案.pdf", PDF)}, **headers)
    assert up.status_code == 200 and up.json()["plan_file"]["name"] == "防疫方案.pdf"
    down = client.get(f"/api/v1/control/gatherings/{pk}/plan", **headers)
    assert down.status_code == 200 and b"".join(down.streaming_content) == PDF
    assert down["Content-Type"] == "application/pdf" and "attachment" in down["Content-Disposition"]
    assert down["X-Content-Type-Options"] == "nosniff"
    assert api("township").post(f"/gatherings/{pk}/plan").status_code == 422  # no file
    other = token_for(users["other"])
    assert client.get(f"/api/v1/control/gatherings/{pk}/plan", **other).status_code == 404


def test_the_api_calendar_lists_the_days_with_approved_events(tree, api):
    pk = api("applicant").post("/gatherings", body(tree)).json()["id"]
    api("township").post(f"/gatherings/{pk}/approve")
    day = local(4).date()
    month = api("township").get("/gatherings/calendar", month=f"{day:%Y-%m}").json()
    assert month["days"] == [{"day": day.isoformat(), "events": [pk]}]
    assert [e["title"] for e in month["events"]] == ["李家婚宴"]
    assert api("other").get("/gatherings/calendar", month=f"{day:%Y-%m}").json()["days"] == []
    assert api("township").get("/gatherings/calendar", month="2026-13").status_code == 422


# --- the pages ------------------------------------------------------------------------------------


def test_the_form_submits_an_application_with_its_plan_file(tree, users, client):
    client.force_login(users["applicant"])
    page = client.get("/control/gatherings/new/")
    assert page.status_code == 200 and tree["village_a"].name in page.content.decode()
    start = local(6, 9)
    response = client.post("/control/gatherings/new/", {
        "area_code": tree["village_a"].code, "title": "庙会", "kind": "folk", "organiser": "村委会", "contact_name": "赵六",
        "contact_phone": "13800002222", "venue": "村口", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"), "expected_attendance": "300",
        "plan_text": "分时段入场", "measures": ["scan_codes", "prevention_officer"],
        "plan_file": SimpleUploadedFile("方案.pdf", PDF),
    })
    g = Gathering.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/control/gatherings/{g.pk}/"
    assert g.measures == ["scan_codes", "prevention_officer"] and g.plan_file_name == "方案.pdf"
    assert g.starts_at == timezone.make_aware(start, TZ)
    detail = client.get(f"/control/gatherings/{g.pk}/").content.decode()
    assert "庙会" in detail and "138****2222" in detail and "13800002222" not in detail
    assert client.get(f"/control/gatherings/{g.pk}/plan/").status_code == 200


def test_the_form_shows_why_50_people_need_no_application(tree, users, client):
    client.force_login(users["applicant"])
    start = local(6, 9)
    response = client.post("/control/gatherings/new/", {
        "area_code": tree["village_a"].code, "title": "寿宴", "kind": "other", "organiser": "x", "contact_name": "x",
        "contact_phone": "13800002222", "venue": "x", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "expected_attendance": "50", "plan_text": "x",
    })
    assert response.status_code == 200 and "need no application" in response.content.decode()
    assert not Gathering.objects.exists()


def test_the_township_decides_on_the_page_and_the_calendar_shows_the_event(tree, users, client, api):
    pk = api("applicant").post("/gatherings", body(tree)).json()["id"]
    client.force_login(users["township"])
    assert "李家婚宴" in client.get("/control/gatherings/pending/").content.decode()
    detail = client.get(f"/control/gatherings/{pk}/").content.decode()
    assert 'value="approve"' in detail and 'value="reject"' in detail
    assert client.post(f"/control/gatherings/{pk}/decide/", {"action": "reject"}).status_code == 302
    assert Gathering.objects.get(pk=pk).status == "submitted"  # a rejection needs a reason
    client.post(f"/control/gatherings/{pk}/decide/", {"action": "approve"})
    assert Gathering.objects.get(pk=pk).status == "approved"
    day = local(4).date()
    calendar = client.get("/control/gatherings/calendar/", {"month": f"{day:%Y-%m}", "area": tree["village_a"].code})
    html = calendar.content.decode()
    assert calendar.status_code == 200 and 'class="month"' in html and 'class="daylist"' in html
    assert html.count("李家婚宴") >= 2  # in the month grid and in the phone's day list


def test_a_user_at_the_events_level_is_offered_no_decision(tree, users, client, api):
    pk = api("applicant").post("/gatherings", body(tree)).json()["id"]
    client.force_login(users["village_cmd"])
    detail = client.get(f"/control/gatherings/{pk}/").content.decode()
    assert 'value="approve"' not in detail
    client.post(f"/control/gatherings/{pk}/decide/", {"action": "approve"})
    assert Gathering.objects.get(pk=pk).status == "submitted"


def test_the_api_reads_the_12_digit_national_code_of_a_township(tree, api):
    created = api("township").post("/gatherings", body(tree, area_code=tree["town_a"].code + "000"))
    assert created.status_code == 201, created.content
    assert created.json()["area_code"] == tree["town_a"].code and created.json()["approver_code"] == tree["county_a"].code
