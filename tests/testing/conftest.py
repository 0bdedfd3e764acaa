"""A campaign over both counties with a site in county A's grid, a lab, and twelve persons in one household."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.areas.models import Responsible
from fangkong.core.models import Unit
from fangkong.people.services import household_create, person_register
from fangkong.testing import services
from tests.conftest import make_id_number, make_user


@pytest.fixture
def lab(tree):
    return Unit.objects.create(code="LAB-1", name="第一检测实验室", kind=Unit.Kind.LAB, area_code=tree["city"].code)


@pytest.fixture
def lab_user(tree, lab):
    return make_user("labtech", tree["city"].code, "lab", unit=lab)


@pytest.fixture
def world(tree, city_user, user_a, lab):
    grid = tree["grid_a"]
    worker = Responsible.objects.create(area=grid, area_code=grid.code, tier="grid_worker", name="王网格",
                                        phone="13900000001", user=user_a)
    household = household_create(user=user_a, area=grid, address="一号楼101")
    persons = [person_register(area=grid, household=household, name=f"居民{i}",
                               id_number=make_id_number(born="19850101", seq=f"{i:03d}")) for i in range(12)]
    today = timezone.localdate()
    campaign = services.campaign_create(
        by=city_user, name="第一轮全员核酸", area_code=tree["city"].code,
        targets=[services.TargetIn(tree["county_a"].code, timezone.now() + dt.timedelta(days=2)),
                 services.TargetIn(tree["county_b"].code, timezone.now() + dt.timedelta(days=3))],
        rounds=[services.RoundIn(today - dt.timedelta(days=1), today + dt.timedelta(days=2))], labs=[lab])
    site = services.site_create(by=city_user, campaign=campaign, area_code=grid.code, name="一社区广场",
                                opens_at=dt.time(7), closes_at=dt.time(21))
    other_site = services.site_create(by=city_user, campaign=campaign, area_code=tree["village_a"].code,
                                      name="一社区小学", opens_at=dt.time(7), closes_at=dt.time(21))
    return {"grid": grid, "worker": worker, "household": household, "persons": persons, "campaign": campaign,
            "site": site, "other_site": other_site, "lab": lab}


def pool(by, site, barcode, persons):
    """A tube at the site with these persons in it."""
    tube = services.tube_open(by=by, site=site, barcode=barcode)
    for person in persons:
        services.sample_add(by=by, tube=tube, person=person)
    tube.refresh_from_db()
    return tube


def to_lab(by, lab_user, site, lab, tubes, box="BOX-0001"):
    box = services.box_pack(by=by, site=site, code=box, lab=lab, barcodes=[t.barcode for t in tubes])
    services.box_receive(by=lab_user, box=box)
    for tube in tubes:
        tube.refresh_from_db()
    return box
