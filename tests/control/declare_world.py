"""A community ready for self-declarations: a building with a household, the responsibility chain, origin divisions.

Plain functions (not fixtures), so test modules in several folders build the same world.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from fangkong.areas.models import Area, Responsible
from fangkong.arrivals.selectors import declaration_token
from fangkong.control.public_tokens import render_stamp
from fangkong.core.clock import today
from fangkong.people.models import Household
from fangkong.risk.models import RiskArea
from tests.conftest import make_id_number

ADDRESS = "梁园区一社区1号楼院1单元201室"


def build_community(tree) -> SimpleNamespace:
    village, grid = tree["village_a"], tree["grid_a"]
    building = Area.objects.create(code=grid.code + "001", name="1号楼院", parent=grid, level=7)
    household = Household.objects.create(code=building.code + "0001", area=building, area_code=building.code,
                                         address=ADDRESS)
    chain = {
        "village": Responsible.objects.create(area=village, area_code=village.code, tier="village_cadre",
                                              name="社区书记", phone="13900000001"),
        "grid": Responsible.objects.create(area=grid, area_code=grid.code, tier="grid_worker", name="网格员甲",
                                           phone="13900000002"),
        "building": Responsible.objects.create(area=building, area_code=building.code, tier="village_cadre",
                                               name="楼院长乙", phone="13900000003"),
    }
    # Origins: Beijing's Chaoyang district is a medium-risk area; Tianjin's Heping district has no level.
    bj = Area.objects.create(code="11", name="北京市", parent=None, level=1)
    bj_city = Area.objects.create(code="1101", name="市辖区", parent=bj, level=2)
    chaoyang = Area.objects.create(code="110105", name="朝阳区", parent=bj_city, level=3)
    RiskArea.objects.create(division_code="110105", region_name="北京市朝阳区", level="medium",
                            starts_on=dt.date(2020, 1, 1))
    return SimpleNamespace(village=village, grid=grid, building=building, household=household, chain=chain,
                           chaoyang=chaoyang, token=declaration_token(village))


def aged_stamp(page: str, seconds: int = 30) -> str:
    from fangkong.core.clock import now

    return render_stamp(page, int(now().timestamp()) - seconds)


def declaration_post(world, **changes) -> dict:
    """A valid form post for the community's page (a stamp rendered 30 s ago, the honeypot empty)."""
    data = {
        "name": "李四", "id_type": "resident_id", "id_number": make_id_number(seq="731"), "phone": "13812345678",
        "origin_province": "11", "origin_city": "1101", "origin_county": "110105", "origin_text": "",
        "route": "北京—郑州—商丘", "transport": "train", "transport_number": "G123",
        "arrived_on": today().isoformat(), "negative_test_date": "", "building": world.building.code,
        "address": "1单元201室", "promise": "on", "website": "",
        "rendered": aged_stamp(f"declare:{world.village.code}"),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}
