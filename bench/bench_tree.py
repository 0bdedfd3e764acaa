"""Benchmark: the area tree page's counts at city level, counted live and from the tallies, same run.

    .venv/bin/python bench/bench_tree.py --database fk_city10m [--repeat 5]

Needs a database with a demo city (e.g. the one `bench/bench_demo.py --people 10000000 --database
fk_city10m --keep` leaves), migrated to the current code.

For a city-command user at the city node it times what the tree page (areas:detail) asks of the
selectors, `children_with_counts` (each county with its households and persons) and
`area_counts` (the node's own figures), best of `--repeat` after one warm-up:
1. live: with no tallies (AreaTally emptied), every count is an index range count;
2. the tally refresh itself (`areas.services.tallies_refresh`, one GROUP BY per table);
3. from the tallies, as the page now does for township level and above.
Also the same at one county and one township, and a village (always live).
Writes bench/results/tree_<persons>.json and .md with the machine and the exact command.
Goal: about 300 ms or less for the page's counts at city level.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time

from support import RESULTS, django_env, load_average, machine


def best_of(fn, repeat: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="fk_city10m")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    info = machine()
    os.environ.update(django_env(args.database))
    import django

    django.setup()
    from django.db import connection

    from fangkong.areas import selectors
    from fangkong.areas.models import Area, AreaTally
    from fangkong.areas.services import tallies_refresh
    from fangkong.core.models import User
    from fangkong.core.permissions import SCHEDULER
    from fangkong.people.models import Person

    with connection.cursor() as cur:
        cur.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'people_person'")
        persons = cur.fetchone()[0]
    chief = User.objects.filter(role="city_command", area_code="4114").order_by("pk").first()
    city = Area.objects.get(code="4114")
    county = Area.objects.filter(parent=city).order_by("code").first()
    town = Area.objects.filter(parent=county).order_by("code").first()
    village = Area.objects.filter(parent=town).order_by("code").first()
    nodes = [("city", city), ("county", county), ("township", town), ("village", village)]

    def page(area):
        return lambda: (selectors.children_with_counts(user=chief, area=area), selectors.area_counts(user=chief, area=area))

    AreaTally.objects.all().delete()
    live = {label: best_of(page(area), args.repeat) for label, area in nodes}
    started = time.perf_counter()
    refreshed = tallies_refresh(by=SCHEDULER)
    refresh_seconds = round(time.perf_counter() - started, 1)
    tallied = {label: best_of(page(area), args.repeat) for label, area in nodes}
    assert Person.objects.exists()
    result = {
        "benchmark": "area tree page counts (children_with_counts + area_counts) for a city-command user",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", "bench/bench_tree.py", *sys.argv[1:]]),
        "machine": info,
        "load_average_after": load_average(),
        "persons_in_database": persons,
        "live_ms": live,
        "tally_refresh": {"seconds": refresh_seconds, **refreshed},
        "with_tallies_ms": tallied,
        "goal": "city level about 300 ms or less",
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"tree_{persons}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    rows = "".join(f"| {label} ({area.code}) | {live[label]} | {tallied[label]} |\n" for label, area in nodes)
    stem.with_suffix(".md").write_text(
        f"# Area tree page counts, {persons:,} persons in PostgreSQL ({result['date']})\n\n"
        f"Command: `{result['command']}`\n\n"
        f"Machine: nproc {info['nproc']}, {info['memory_gib']} GiB; load average at start {info['load_average']}, "
        f"after {result['load_average_after']} (shared with other jobs).\n\n"
        f"Best of {args.repeat} after a warm-up, milliseconds, for `children_with_counts` + `area_counts`:\n\n"
        "| node | live counts | from tallies (township and above; below: live) |\n| --- | --- | --- |\n" + rows +
        f"\nTally refresh (one GROUP BY per table, all nodes): {refresh_seconds} s, {refreshed['nodes']} nodes.\n"
    )
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
