"""The admin's area scoping on writes: a staff user cannot move a row into another area.

(Reads are walked for every admin in tests/test_scoping_walk.py.)"""

import pytest
from django.test import Client

from fangkong.arrivals.models import Checkpoint
from tests.conftest import make_user


@pytest.fixture
def staff_of_a(tree, settings):
    settings.FANGKONG_REQUIRE_OTP = False
    client = Client()
    client.force_login(make_user("a-staff", tree["county_a"].code, "city_command", is_staff=True, is_superuser=True))
    return client


def _form(checkpoint, area) -> dict:
    return {"name": checkpoint.name, "channel": checkpoint.channel, "area": area.pk, "location": "", "responsible_name": "",
            "responsible_phone": "", "active": "on"}


def test_staff_cannot_move_a_checkpoint_into_another_area(tree, staff_of_a):
    checkpoint = Checkpoint.objects.create(name="梁园卡口", channel="highway", area=tree["county_a"], area_code=tree["county_a"].code)
    r = staff_of_a.post(f"/admin/arrivals/checkpoint/{checkpoint.pk}/change/", _form(checkpoint, tree["county_b"]))
    assert r.status_code == 200
    assert "This area is outside your own." in r.content.decode()
    checkpoint.refresh_from_db()
    assert checkpoint.area_code == tree["county_a"].code


def test_staff_can_move_a_checkpoint_within_their_area(tree, staff_of_a):
    checkpoint = Checkpoint.objects.create(name="梁园卡口", channel="highway", area=tree["county_a"], area_code=tree["county_a"].code)
    r = staff_of_a.post(f"/admin/arrivals/checkpoint/{checkpoint.pk}/change/", _form(checkpoint, tree["town_a"]))
    assert r.status_code == 302, r.content.decode()[:2000]
    checkpoint.refresh_from_db()
    assert checkpoint.area_code == tree["town_a"].code
