"""Shared fixtures: a small tree with two counties, and a user in each, so a cross-area check costs one line."""

from __future__ import annotations

import os

import pytest
from django.utils import translation

from fangkong.areas.models import Area
from fangkong.core.ids import check_digit
from fangkong.core.models import ApiToken, User

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def ui_language(settings):
    """Tests speak English: their assertions use the English msgids, which do not change when a translation does.

    The UI's real default (zh-hans) and the Chinese catalogue are checked in tests/web/test_translations.py,
    which overrides this fixture.
    """
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield "en"


def make_id_number(region: str = "411402", born: str = "19900307", seq: str = "123") -> str:
    first17 = region + born + seq
    return first17 + check_digit(first17)


def area(code: str, name: str, parent: Area | None, level: int) -> Area:
    return Area.objects.create(code=code, name=name, parent=parent, level=level)


@pytest.fixture
def tree(db):
    """Province 41 > city 4114 > counties 411402 (A) and 411403 (B), each down to a grid."""
    prov = area("41", "河南省", None, 1)
    city = area("4114", "商丘市", prov, 2)
    nodes = {"province": prov, "city": city}
    for key, county_code, county_name in (("a", "411402", "梁园区"), ("b", "411403", "睢阳区")):
        county = area(county_code, county_name, city, 3)
        town = area(county_code + "001", f"{county_name}一街道", county, 4)
        village = area(town.code + "001", f"{county_name}一社区", town, 5)
        grid = area(village.code + "001", f"{county_name}第一网格", village, 6)
        nodes.update({f"county_{key}": county, f"town_{key}": town, f"village_{key}": village, f"grid_{key}": grid})
    return nodes


def make_user(username: str, area_code: str, role: str = "district", **extra) -> User:
    user = User(username=username, area_code=area_code, role=role, **extra)
    user.set_password("correct-horse-battery")
    user.save()
    return user


@pytest.fixture
def user_a(tree):
    return make_user("alice", tree["county_a"].code, "grid_worker")


@pytest.fixture
def user_b(tree):
    return make_user("bob", tree["county_b"].code, "grid_worker")


@pytest.fixture
def city_user(tree):
    return make_user("chief", tree["city"].code, "city_command")


@pytest.fixture
def token_for():
    def issue(user) -> dict:
        _, token = ApiToken.issue(user)
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    return issue


def need_or_skip(available: bool, reason: str) -> None:
    """Skip when a part is missing, except under CI, where every part must be there."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI must install it)")
    pytest.skip(reason)
