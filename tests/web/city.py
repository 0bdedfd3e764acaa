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
    households = fill_grids(writer, grids, households_per_grid=households_per_grid, rng=rng)
    covered = [h.pk for h in households if h.area_id == tree["grid_a"].pk]
    area_services.households_assign_responsible(user=writer, responsible=chain["village_cadre"], household_ids=covered)
    return {"writer": writer, "grid_a2": grid_a2, "households": households, "chain": chain}


def fill_grids(writer, grids, *, households_per_grid: int, rng: random.Random, start: int = 100) -> list:
    """Households of one to five people in each grid, with valid ID numbers and phones for adults."""
    seq = start
    households = []
    for grid in grids:
        for h in range(households_per_grid):
            household = people_services.household_create(user=writer, area=grid, address=f"{grid.name}{h + 1}号院")
            households.append(household)
            for member in range(rng.randint(1, 5)):
                seq += 1
                year = rng.randint(1940, 2015)
                born = f"{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
                people_services.person_create(
                    user=writer, household=household,
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else ""),
                    id_number=make_id_number(grid.code[:6], born, f"{seq % 1000:03d}"),
                    phone=mobile(10000 + seq) if year < 2008 else "",
                    relation="户主" if member == 0 else rng.choice(["配偶", "子女", "父母"]),
                )
    return households


TOWNS = ["平原街道", "八八街道", "谢集镇", "刘口镇"]
VILLAGES = ["文化社区", "建设社区", "王楼村", "李庄村", "张阁村", "孙园村", "周集村", "何营村"]
CADRES = ["周建国", "吴志强", "郑秀兰", "王海燕", "冯立新", "陈文华", "褚卫东", "卫红梅", "蒋德明", "沈玉洁", "韩振华", "杨春生"]


def showcase(tree: dict, *, households_per_grid: int = 6, seed: int = 11) -> dict:
    """A county with four townships, two villages each, two grids each, a few hundred people and a
    responsibility chain with some gaps: the data behind the README screenshots."""
    rng = random.Random(seed)
    writer = make_user("showcase", tree["city"].code, "city_command")
    county = tree["county_a"]
    grids = []
    names = iter(CADRES * 10)
    phone = iter(range(2000, 9000))
    for t, town_name in enumerate(TOWNS, start=2):
        town = Area.objects.create(code=f"{county.code}{t:03d}", name=town_name, parent=county, level=4)
        if t != 4:
            area_services.responsible_assign(user=writer, area=town, tier="county_leader", name=next(names), phone=mobile(next(phone)), title="县级领导")
        for v in range(1, 3):
            village = Area.objects.create(code=f"{town.code}{v:03d}", name=VILLAGES[(t * 2 + v) % len(VILLAGES)], parent=town, level=5)
            area_services.responsible_assign(user=writer, area=village, tier="township_cadre", name=next(names), phone=mobile(next(phone)), title="包村干部")
            cadre = area_services.responsible_assign(user=writer, area=village, tier="village_cadre", name=next(names), phone=mobile(next(phone)), title="村两委")
            for g in range(1, 3):
                grid = add_grid(village, g, f"{village.name}第{'一二'[g - 1]}网格")
                if not (t == 5 and g == 2):
                    area_services.responsible_assign(user=writer, area=grid, tier="grid_worker", name=next(names), phone=mobile(next(phone)), title="专职网格员")
                grids.append((grid, cadre))
    start = 500
    for grid, cadre in grids:
        homes = fill_grids(writer, [grid], households_per_grid=households_per_grid, rng=rng, start=start)
        start += 50
        keep = [h.pk for h in homes if rng.random() < 0.85]
        area_services.households_assign_responsible(user=writer, responsible=cadre, household_ids=keep)
    return {"writer": writer, "grids": [g for g, _ in grids]}
