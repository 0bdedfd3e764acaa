"""A small populated city for page and browser tests, built through the real services."""

from __future__ import annotations

import random

from fangkong.areas import services as area_services
from fangkong.areas.models import Area
from fangkong.people import services as people_services
from tests.conftest import make_id_number, make_user

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"


def mobile(n: int) -> str:
    return f"139{n:08d}"


def add_grid(village: Area, seq: int, name: str) -> Area:
    return Area.objects.create(code=f"{village.code}{seq:03d}", name=name, parent=village, level=6)


def populate(tree: dict, *, households_per_grid: int = 8, seed: int = 3) -> dict:
    """Two grids per village in county A (one more than the tree fixture), people in every household,
    a responsibility chain with one deliberate gap (the second grid has no grid worker)."""
    rng = random.Random(seed)
    writer = make_user("builder", tree["city"].code, "city_command")
    grid_a2 = add_grid(tree["village_a"], 2, "梁园区第二网格")
    grids = [tree["grid_a"], grid_a2, tree["grid_b"]]
    chain = {}
    chain["county_leader"] = area_services.responsible_assign(
        user=writer, area=tree["town_a"], tier="county_leader", name="周建国", phone=mobile(1), title="副县长"
    )
    chain["township_cadre"] = area_services.responsible_assign(
        user=writer, area=tree["village_a"], tier="township_cadre", name="吴志强", phone=mobile(2), title="街道办副主任"
    )
    chain["village_cadre"] = area_services.responsible_assign(
        user=writer, area=tree["village_a"], tier="village_cadre", name="郑秀兰", phone=mobile(3), title="社区书记"
    )
    chain["grid_worker"] = area_services.responsible_assign(
        user=writer, area=tree["grid_a"], tier="grid_worker", name="孙丽娟", phone=mobile(4)
    )
    seq = 100
    households = []
    for grid in grids:
        for h in range(households_per_grid):
            household = people_services.household_create(user=writer, area=grid, address=f"{grid.name}{h + 1}号院")
            households.append(household)
            for member in range(rng.randint(1, 5)):
                seq += 1
                year = rng.randint(1940, 2015)
                people_services.person_create(
                    user=writer, household=household,
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else ""),
                    id_number=make_id_number(grid.code[:6], f"{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}", f"{seq % 1000:03d}"),
                    phone=mobile(10000 + seq) if year < 2008 else "",
                    relation="户主" if member == 0 else rng.choice(["配偶", "子女", "父母"]),
                )
    covered = [h.pk for h in households if h.area_id == tree["grid_a"].pk]
    area_services.households_assign_responsible(user=writer, responsible=chain["village_cadre"], household_ids=covered)
    return {"writer": writer, "grid_a2": grid_a2, "households": households, "chain": chain}
