"""/api/v1/policy and /api/v1/control/profile: the engine over HTTP, and switching the profile in force."""

import json

import pytest

from fangkong.control.models import ActiveProfile
from fangkong.policy.engine import evaluate_all, parse_facts
from fangkong.policy.profile import load_profile

CONTACT = {"id": "c1", "category": "close_contact", "last_exposure_date": "2022-07-01"}


def post(client, url, body, headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


@pytest.mark.django_db
def test_the_api_evaluates_exactly_as_the_cli_contract_prints(client, user_a, token_for):
    answer = post(client, "/api/v1/policy/evaluate", {"profile": "national-9th-2022", "facts": [CONTACT]}, token_for(user_a))
    assert answer.status_code == 200, answer.content
    expected = [p.as_dict() for p in evaluate_all(load_profile("national-9th-2022"), parse_facts([CONTACT]))]
    assert answer.json() == expected
    first = answer.json()[0]["measures"][0]
    assert (first["measure"], first["start"], first["end"]) == ("centralized_isolation", "2022-07-02", "2022-07-08")


@pytest.mark.django_db
def test_a_bad_fact_names_the_item_and_the_field(client, user_a, token_for):
    answer = post(client, "/api/v1/policy/evaluate",
                  {"profile": "seed-2021", "facts": [{"id": "x", "category": "close_contact", "origin_risk": "extreme"}]},
                  token_for(user_a))
    assert answer.status_code == 422
    error = answer.json()["errors"][0]
    assert error["field"] == "facts"
    assert "id=x" in error["reason"] and "origin_risk" in error["reason"]


@pytest.mark.django_db
def test_only_shipped_profiles_can_be_named_never_a_path(client, user_a, token_for):
    headers = token_for(user_a)
    answer = post(client, "/api/v1/policy/evaluate", {"profile": "../../settings", "facts": []}, headers)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "profile"
    assert "national-9th-2022" in answer.json()["errors"][0]["reason"]
    assert client.get("/api/v1/policy/profiles/nope", **headers).status_code == 404


@pytest.mark.django_db
def test_the_profile_list_and_detail_show_the_rules(client, user_a, token_for):
    headers = token_for(user_a)
    names = [p["name"] for p in client.get("/api/v1/policy/profiles", **headers).json()]
    assert names == ["national-9th-2022", "seed-2021"]
    detail = client.get("/api/v1/policy/profiles/seed-2021", **headers).json()
    assert "close_contact" in detail["categories"]
    assert all(rule["id"] and rule["explain"] for rule in detail["rules"])


@pytest.mark.django_db
def test_the_city_command_switches_the_profile_after_a_dry_run(client, city_user, user_a, token_for):
    headers = token_for(city_user)
    before = client.get("/api/v1/control/profile", **headers).json()
    assert before["name"] == "national-9th-2022" and before["activated_at"] is None

    dry = post(client, "/api/v1/control/profile", {"name": "seed-2021"}, headers)
    assert dry.status_code == 200, dry.content
    assert dry.json()["applied"] is False
    assert not ActiveProfile.objects.exists()

    done = post(client, "/api/v1/control/profile", {"name": "seed-2021", "apply": True}, headers)
    assert done.json()["applied"] is True
    assert client.get("/api/v1/control/profile", **headers).json()["name"] == "seed-2021"

    refused = post(client, "/api/v1/control/profile", {"name": "national-9th-2022", "apply": True}, token_for(user_a))
    assert refused.status_code == 403
    assert ActiveProfile.objects.get().name == "seed-2021"


@pytest.mark.django_db
def test_a_switch_counts_every_changed_order_and_details_only_the_first(client, city_user, tree, token_for, monkeypatch):
    import datetime as dt

    from fangkong.control import api as control_api
    from fangkong.control import services
    from fangkong.people.services import person_register
    from fangkong.policy.engine import Facts
    from tests.conftest import make_id_number

    for i in range(3):
        person = person_register(area=tree["grid_a"], name=f"李{i}", id_number=make_id_number(born="19800101", seq=f"{500 + i}"))
        services.order_from_facts(person=person, facts=Facts(
            id=str(person.pk), category="risk_area_arrival", origin_risk="high",
            arrival_date=dt.date.today() - dt.timedelta(days=i)))
    monkeypatch.setattr(control_api, "SWITCH_DETAILS", 2)
    headers = token_for(city_user)
    dry = post(client, "/api/v1/control/profile", {"name": "seed-2021"}, headers).json()
    assert dry["changed_orders"] == 3 and len(dry["changes"]) == 2
    done = post(client, "/api/v1/control/profile", {"name": "seed-2021", "apply": True}, headers).json()
    assert done["changed_orders"] == 3 and done["changes"] == []
