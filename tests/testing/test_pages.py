"""The pages: a campaign's coverage table, the sampling screen by keyboard or scanner, the lab's page."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from fangkong.healthcodes.services import health_code_refresh
from fangkong.testing import services
from fangkong.testing.models import Result, Tube, TubeSample
from tests.testing.conftest import pool


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_sampling_screen_takes_a_tube_then_persons_and_asks_a_reason_for_a_repeat(world, user_a):
    web = logged_in(user_a)
    url = f"/testing/sites/{world['site'].pk}/sample/"
    page = web.post(url, {"barcode": "T0001", "kind": "pooled"})
    tube = Tube.objects.get(barcode="T0001")
    assert page.status_code == 200 and f'name="tube" value="{tube.pk}"' in page.text
    for person in world["persons"][:2]:
        page = web.post(url, {"tube": tube.pk, "code": health_code_refresh(person=person).token})
    assert "2 of 10" in page.text
    # the same person at another site in this round: the screen asks why
    other = web.post(f"/testing/sites/{world['other_site'].pk}/sample/", {"barcode": "T0002"})
    second = Tube.objects.get(barcode="T0002")
    token = health_code_refresh(person=world["persons"][0]).token
    page = web.post(f"/testing/sites/{world['other_site'].pk}/sample/", {"tube": second.pk, "code": token})
    assert 'name="reason"' in page.text and "一社区广场" in page.text
    web.post(f"/testing/sites/{world['other_site'].pk}/sample/", {"tube": second.pk, "code": token, "reason": "破损"})
    assert TubeSample.objects.filter(tube=second).count() == 1 and other.status_code == 200


def test_the_campaign_page_shows_the_coverage_table(world, user_a, city_user, tree):
    pool(user_a, world["site"], "T0001", world["persons"][:4])
    page = logged_in(city_user).get(f"/testing/campaigns/{world['campaign'].pk}/")
    assert page.status_code == 200
    assert tree["county_a"].name in page.text and tree["county_b"].name in page.text
    left = logged_in(user_a).get(f"/testing/campaigns/{world['campaign'].pk}/not-tested/")
    assert "居民4" in left.text and "居民0" not in left.text


def test_the_lab_page_receives_a_box_and_records_a_result(world, user_a, lab_user):
    tube = pool(user_a, world["site"], "T0001", world["persons"][:2])
    box = services.box_pack(by=user_a, site=world["site"], code="BOX-1", lab=world["lab"], barcodes=[tube.barcode])
    web = logged_in(lab_user)
    assert "BOX-1" in web.get("/testing/lab/").text
    web.post("/testing/lab/", {"box": box.pk})
    web.post("/testing/lab/", {"barcode": "T0001", "result": "negative", "ct": ""})
    assert Result.objects.get(tube=tube).entered_by == lab_user
    assert Result.objects.get(tube=tube).tested_at <= timezone.now()


def test_a_district_starts_a_campaign_and_adds_a_site_from_the_pages(tree, lab):
    from fangkong.testing.models import Campaign, SamplingSite
    from tests.conftest import make_user

    district = make_user("dist", tree["county_a"].code, "district")
    web = logged_in(district)
    today = timezone.localdate().isoformat()
    page = web.post("/testing/", {"name": "梁园区全员核酸", "area_code": tree["county_a"].code, "deadline": today,
                                  "starts_on": today, "ends_on": today})
    campaign = Campaign.objects.get(name="梁园区全员核酸")
    assert page.status_code == 302 and list(campaign.labs.all()) == [lab]
    web.post(f"/testing/campaigns/{campaign.pk}/", {"name": "广场", "area_code": tree["grid_a"].code,
                                                    "opens_at": "07:00", "closes_at": "20:00"})
    assert SamplingSite.objects.get(campaign=campaign).name == "广场"
    refused = web.post("/testing/", {"name": "越界", "area_code": tree["county_b"].code, "deadline": today,
                                     "starts_on": today, "ends_on": today})
    assert refused.status_code == 404 and not Campaign.objects.filter(name="越界").exists()
    bad = web.post("/testing/", {"name": "x", "area_code": "abc", "deadline": "", "starts_on": today, "ends_on": today})
    assert bad.status_code == 200 and "three dates" in bad.text
