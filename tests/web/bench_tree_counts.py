"""Time the area pages' selectors at 300,000 households / 750,000 persons (not part of the suite).

Builds its own data in whatever DATABASE_URL (or FANGKONG_HOME's SQLite file) names, after
`fangkong migrate`, on the first run only; use a throw-away database:
    FANGKONG_HOME=/tmp/fkbench .venv/bin/fangkong migrate
    FANGKONG_HOME=/tmp/fkbench PYTHONPATH=src .venv/bin/python tests/web/bench_tree_counts.py [HOUSEHOLDS]
"""
import os
import random
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from fangkong.areas import selectors  # noqa: E402
from fangkong.areas.models import Area, Responsible  # noqa: E402
from fangkong.core.models import User  # noqa: E402
from fangkong.people.models import Household, Person  # noqa: E402

N_HOUSEHOLDS = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000


def build():
    rng = random.Random(1)
    with transaction.atomic():
        prov = Area.objects.create(code="41", name="省", level=1)
        city = Area.objects.create(code="4114", name="市", level=2, parent=prov)
        grids = []
        for c in range(1, 6):
            county = Area.objects.create(code=f"4114{c:02d}", name=f"县{c}", level=3, parent=city)
            for t in range(1, 11):
                town = Area.objects.create(code=f"{county.code}{t:03d}", name=f"镇{c}-{t}", level=4, parent=county)
                if rng.random() < 0.9:
                    Responsible.objects.create(area=town, area_code=town.code, tier="county_leader", name="甲", phone="13900000000")
                for v in range(1, 11):
                    village = Area.objects.create(code=f"{town.code}{v:03d}", name=f"村{c}-{t}-{v}", level=5, parent=town)
                    cadre = Responsible.objects.create(area=village, area_code=village.code, tier="village_cadre", name="乙", phone="13900000001")
                    if rng.random() < 0.9:
                        Responsible.objects.create(area=village, area_code=village.code, tier="township_cadre", name="丙", phone="13900000002")
                    for g in range(1, 4):
                        grid = Area.objects.create(code=f"{village.code}{g:03d}", name=f"网格{g}", level=6, parent=village)
                        if rng.random() < 0.9:
                            Responsible.objects.create(area=grid, area_code=grid.code, tier="grid_worker", name="丁", phone="13900000003")
                        grids.append((grid, cadre))
    per_grid = N_HOUSEHOLDS // len(grids)
    seq = 0
    for grid, cadre in grids:
        hh = [Household(code=f"{grid.code}{i:04d}", area=grid, area_code=grid.code,
                        responsible=cadre if rng.random() < 0.7 else None) for i in range(per_grid)]
        Household.objects.bulk_create(hh, batch_size=2000)
        people = []
        for h in Household.objects.filter(area=grid).values_list("pk", flat=True):
            for _ in range(rng.choice((1, 2, 3, 4))):
                seq += 1
                people.append(Person(household_id=h, area=grid, area_code=grid.code, name="某某",
                                     id_number_masked="411402********1234", phone_masked="139****0000"))
        Person.objects.bulk_create(people, batch_size=2000)
    User.objects.create(username="chief", area_code="4114", role="city_command")
    User.objects.create(username="county", area_code="411401", role="district")


def timed(label, fn, repeat=5):
    fn()
    best = float("inf")
    for _ in range(repeat):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
    print(f"{label:<48} {best * 1000:8.1f} ms  {len(ctx.captured_queries)} queries")


def main():
    if not Area.objects.exists():
        t0 = time.perf_counter()
        build()
        print(f"built in {time.perf_counter() - t0:.0f} s")
    print(f"{connection.vendor}: {Household.objects.count()} households, {Person.objects.count()} persons, {Area.objects.count()} areas")
    for username in ("chief", "county"):
        run_for(User.objects.get(username=username))


def run_for(user):
    area = Area.objects.get(code=user.area_code)
    print(f"-- {user.username} at {area.code}")
    timed("area_counts (dashboard figures)", lambda: selectors.area_counts(user=user, area=area))
    timed("children_with_counts (tree page)", lambda: selectors.children_with_counts(user=user, area=area))
    timed("unassigned_counts (4 counts)", lambda: selectors.unassigned_counts(user=user, area=area))
    timed("unassigned households, page 101", lambda: list(selectors.unassigned_list(user=user, area=area, kind="household")[5000:5050]))
    timed("unassigned grids, page 1", lambda: list(selectors.unassigned_list(user=user, area=area, kind="grid")[:50]))
    grid = Area.objects.filter(code__startswith=area.code, level=6).last()
    timed("grid_board", lambda: selectors.grid_board(user=user, code=grid.code))


if __name__ == "__main__":
    main()
