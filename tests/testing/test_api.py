"""A campaign run through the API: set up, sample by scanning health codes, box, receive, result, follow up."""

from __future__ import annotations

from fangkong.healthcodes.models import HealthCode
from fangkong.healthcodes.services import health_code_refresh
from tests.api.conftest import Api
from tests.conftest import make_user


def token_of(person) -> str:
    return health_code_refresh(person=person).token


def test_a_pool_goes_from_the_site_to_a_recall_through_the_api(world, user_a, lab_user, tree):
    sampler = Api(user_a)
    site = world["site"]
    tube = sampler.post(f"/testing/sites/{site.pk}/tubes", {"barcode": "T0001"})
    assert tube.status_code == 201, tube.json()
    tube_id = tube.json()["id"]
    for person in world["persons"][:10]:
        answer = sampler.post(f"/testing/tubes/{tube_id}/samples", {"code": token_of(person)})
        assert answer.status_code == 201, answer.json()
    assert answer.json()["closed"] and answer.json()["persons"] == 10
    eleventh = sampler.post(f"/testing/tubes/{tube_id}/samples", {"code": token_of(world["persons"][10])})
    assert eleventh.status_code == 422 and eleventh.json()["errors"][0]["field"] == "tube"
    again = sampler.post(f"/testing/sites/{site.pk}/tubes", {"barcode": "T0001"})
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "barcode"
    box = sampler.post(f"/testing/sites/{site.pk}/boxes", {"code": "BOX-1", "lab": "LAB-1", "barcodes": ["T0001"]})
    assert box.status_code == 201, box.json()
    lab = Api(lab_user)
    assert [b["code"] for b in lab.get("/testing/lab/boxes").json()] == ["BOX-1"]
    assert lab.post(f"/testing/lab/boxes/{box.json()['id']}/receive", {}).status_code == 200
    result = lab.post("/testing/lab/results", {"barcode": "t0001", "result": "阳性", "ct": "30.1"})
    assert result.status_code == 201, result.json()
    assert result.json() == {"barcode": "T0001", "result": "positive", "recalled": 10, "case_to_open": False}
    recalls = sampler.get("/testing/recalls").json()
    assert len(recalls) == 10 and {r["responsible"] for r in recalls} == {"王网格"}
    assert all(r["order_id"] for r in recalls)
    assert Api(make_user("bob2", tree["county_b"].code, "grid_worker")).get("/testing/recalls").json() == []


def test_a_repeat_sample_is_refused_without_a_reason_and_taken_with_one(world, user_a):
    sampler = Api(user_a)
    person = world["persons"][0]
    first = sampler.post(f"/testing/sites/{world['site'].pk}/tubes", {"barcode": "T0001"}).json()["id"]
    sampler.post(f"/testing/tubes/{first}/samples", {"code": token_of(person)})
    second = sampler.post(f"/testing/sites/{world['other_site'].pk}/tubes", {"barcode": "T0002"}).json()["id"]
    refused = sampler.post(f"/testing/tubes/{second}/samples", {"code": token_of(person)})
    assert refused.status_code == 422 and "一社区广场" in refused.json()["errors"][0]["reason"]
    taken = sampler.post(f"/testing/tubes/{second}/samples", {"code": token_of(person), "reason": "管子破损"})
    assert taken.status_code == 201


def test_coverage_and_the_not_tested_list_through_the_api(world, user_a, city_user, tree):
    sampler = Api(user_a)
    tube = sampler.post(f"/testing/sites/{world['site'].pk}/tubes", {"barcode": "T0001"}).json()["id"]
    sampler.post(f"/testing/tubes/{tube}/samples", {"code": token_of(world["persons"][0])})
    campaign = world["campaign"].pk
    rows = Api(city_user).get(f"/testing/campaigns/{campaign}/coverage").json()
    county_a = next(r for r in rows if r["code"] == tree["county_a"].code)
    assert (county_a["target"], county_a["sampled"], county_a["not_tested"]) == (12, 1, 11)
    left = sampler.get(f"/testing/campaigns/{campaign}/not-tested").json()
    assert len(left) == 11
    assert Api(user_a).get(f"/testing/campaigns/{campaign}/coverage", area=tree["county_b"].code).status_code == 404


def test_the_campaign_api_refuses_a_grid_worker_and_a_target_outside_the_area(world, user_a, tree):
    body = {"name": "x", "area_code": tree["county_a"].code,
            "targets": [{"area_code": tree["county_a"].code, "deadline": "2030-01-01T00:00:00Z"}],
            "rounds": [{"starts_on": "2030-01-01", "ends_on": "2030-01-03"}]}
    assert Api(user_a).post("/testing/campaigns", body).status_code == 403
    district = make_user("dist", tree["county_a"].code, "district")
    assert Api(district).post("/testing/campaigns", body).status_code == 201
    body["targets"] = [{"area_code": tree["county_b"].code, "deadline": "2030-01-01T00:00:00Z"}]
    assert Api(district).post("/testing/campaigns", body).status_code == 404


def test_a_persons_tests_through_the_api(world, user_a):
    person = world["persons"][0]
    sampler = Api(user_a)
    tube = sampler.post(f"/testing/sites/{world['site'].pk}/tubes", {"barcode": "T0001"}).json()["id"]
    sampler.post(f"/testing/tubes/{tube}/samples", {"code": token_of(person)})
    answer = sampler.get(f"/testing/persons/{person.pk}/tests").json()
    assert answer["pending"] and answer["hours_since_negative"] is None
    assert answer["tests"][0]["barcode"] == "T0001"


def test_the_planner_api_suggests_what_meets_the_deadline(user_a):
    answer = Api(user_a).get("/testing/plan", population=1_000_000, sites=100, samplers_per_site=4,
                             samples_per_sampler_per_hour=60, hours_per_day=12, pool_size=10,
                             lab_tubes_per_day=30_000, deadline_days=3, transport_hours=0)
    assert answer.status_code == 200, answer.json()
    out = answer.json()
    assert out["bottleneck"] == "sampling" and not out["meets_deadline"]
    assert {s["field"] for s in out["suggestions"]} == {"samplers_per_site", "hours_per_day", "lab_tubes_per_day"}
    assert Api(user_a).get("/testing/pool-size", prevalence=0.01).json()["pool_size"] == 11
    assert Api(user_a).get("/testing/pool-size", prevalence=2).status_code == 422


def test_an_unknown_health_code_names_the_field(world, user_a):
    sampler = Api(user_a)
    tube = sampler.post(f"/testing/sites/{world['site'].pk}/tubes", {"barcode": "T0001"}).json()["id"]
    answer = sampler.post(f"/testing/tubes/{tube}/samples", {"code": "nope"})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "code"
    assert not HealthCode.objects.filter(token="nope").exists()
