"""Benchmark: importing a 协查 list of N rows through the arrivals import, then the same list again.

Usage (from the project directory, with the venv):

    .venv/bin/python bench/bench_arrivals_import.py --rows 100000 \
        --database-url sqlite:////tmp/fk_bench_arrivals.sqlite3 --drop
    .venv/bin/python bench/bench_arrivals_import.py --rows 100000 \
        --database-url postgres://fangkong:fangkong@127.0.0.1:5432/fk_bench_arrivals --drop

It builds a county with one village of 50 grids (a grid worker each) and one household per ten
rows, registers a share of the listed persons beforehand (--known, default 0.3: they are
matched, the others created), and puts the origin on the risk-area list (medium). It writes a
协查 CSV (valid ID numbers, phones, origin with its code, arrival time, the household's exact
address, pushing unit, push time), imports it as an operator of the county with
fangkong.arrivals.importing (the code behind the page, the API and `fangkong arrivals
import`): every row matched or created, routed, planned under the active profile, with its
order, measures and test days; then imports the same file again (every row unchanged). It prints
JSON: rows/s of both runs, time per phase, the machine's cores, memory and load averages.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import import GIVEN, SURNAMES, create_postgres_database, drop_postgres_database, setup_django  # noqa: E402

GRIDS = 50
HEADERS = ["协查编号", "姓名", "证件号码", "手机号", "来源地", "风险类别", "到达时间", "目的地址", "推送单位", "推送时间"]


def memory_gib() -> float:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    return 0.0


def build_place(rows: int) -> str:
    """The county, a village of GRIDS grids with a worker each, one household per ten rows; the origin's risk."""
    from fangkong.areas.models import Area, Responsible
    from fangkong.people.models import Household
    from fangkong.risk.models import RiskArea

    parent = None
    for code, name, level in (("41", "河南省", 1), ("4114", "商丘市", 2), ("411402", "梁园区", 3),
                              ("411402001", "一街道", 4), ("411402001001", "一社区", 5)):
        parent = Area.objects.create(code=code, name=name, level=level, parent=parent)
    grids = Area.objects.bulk_create([Area(code=f"{parent.code}{i:03d}", name=f"第{i}网格", level=6, parent=parent)
                                      for i in range(1, GRIDS + 1)])
    Responsible.objects.bulk_create([Responsible(area=g, area_code=g.code, tier="grid_worker", name=f"网格员{i}",
                                                 phone=f"139{i:08d}") for i, g in enumerate(grids)])
    households = [Household(code=f"{grids[h % GRIDS].code}{h:05d}", area=grids[h % GRIDS], area_code=grids[h % GRIDS].code,
                            address=f"幸福路{h}号") for h in range(max(1, rows // 10))]
    Household.objects.bulk_create(households, batch_size=5000)
    RiskArea.objects.create(division_code="310115", region_name="上海市浦东新区", level="medium",
                            starts_on=dt.date.today() - dt.timedelta(days=60))
    return "411402"


def id_number(i: int) -> str:
    from fangkong.core.ids import check_digit

    born = dt.date(1940, 1, 1) + dt.timedelta(days=(i * 7919) % 25000)
    first17 = f"310115{born:%Y%m%d}{(i // 25000) % 1000:03d}"
    return first17 + check_digit(first17)


def name_of(i: int) -> str:
    return SURNAMES[(i * 31) % len(SURNAMES)] + GIVEN[(i * 17) % len(GIVEN)] + GIVEN[(i * 7) % len(GIVEN)]


def register_known(rows: int, share: float) -> int:
    """Every (1/share)-th listed person is registered already (bulk, through the model, no history needed)."""
    from fangkong.core.crypto import Sealer
    from fangkong.core.masking import mask_id_number
    from fangkong.people.models import Household, Person

    if share <= 0:
        return 0
    step = max(1, round(1 / share))
    households = {h.address: h for h in Household.objects.all()}
    sealer = Sealer()
    people = []
    for i in range(0, rows, step):
        number = id_number(i)
        household = households[f"幸福路{i // 10}号"]
        people.append(Person(household=household, area_id=household.area_id, area_code=household.area_code,
                             name=name_of(i), id_number_sealed=sealer.seal(number), id_number_hash=sealer.lookup_hash(number),
                             id_number_masked=mask_id_number(number)))
    Person.objects.bulk_create(people, batch_size=5000)
    return len(people)


def write_list(path: Path, rows: int) -> None:
    yesterday = dt.date.today() - dt.timedelta(days=1)
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        for i in range(rows):
            writer.writerow([f"XC-{i:07d}", name_of(i), id_number(i), f"138{i % 100000000:08d}", "上海市浦东新区（310115）",
                             "中风险", f"{yesterday} {8 + i % 12:02d}:{i % 60:02d}", f"幸福路{i // 10}号",
                             "上海市浦东新区疫情防控指挥部", f"{yesterday} 20:00"])


def timed(path: Path, area: str):
    from fangkong.imports.pipeline import command_line_actor, import_file

    cpu, start = time.process_time(), time.perf_counter()
    batch = import_file(user=command_line_actor(area), path=path, kind="xiecha", language="en")
    return time.perf_counter() - start, time.process_time() - cpu, batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--known", type=float, default=0.3, help="share of listed persons registered beforehand")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", "sqlite:////tmp/fk_bench_arrivals.sqlite3"))
    parser.add_argument("--drop", action="store_true", help="drop the PostgreSQL database / remove the SQLite file after")
    args = parser.parse_args()

    url = args.database_url
    if url.startswith("postgres"):
        create_postgres_database(url)
    elif url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)
    setup_django(url)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from fangkong.arrivals.models import Arrival
    from fangkong.control.models import ControlOrder, ScheduledTest

    work = Path(tempfile.mkdtemp(prefix="fk-bench-arrivals-"))
    settings.MEDIA_ROOT = work / "media"
    result: dict = {"rows": args.rows, "database": connection.vendor, "cpus": os.cpu_count(),
                    "memory_gib": memory_gib(), "load_average_before": os.getloadavg()}
    try:
        call_command("migrate", verbosity=0)
        area = build_place(args.rows)
        result["known_persons"] = register_known(args.rows, args.known)
        path = work / "xiecha.csv"
        write_list(path, args.rows)
        result["csv_mb"] = round(path.stat().st_size / 1e6, 1)

        seconds, cpu, batch = timed(path, area)
        assert batch.status == "done" and batch.rejected == 0, (batch.status, batch.rejected, batch.error)
        result["import"] = {
            "seconds": round(seconds, 1), "rows_per_s": round(args.rows / seconds, 1),
            "cpu_seconds_this_process": round(cpu, 1), "created": batch.created, "matched": batch.updated,
            "phases_seconds": {k: round(v, 1) for k, v in getattr(batch, "timings", {}).items()},
        }
        result["arrivals"] = Arrival.objects.count()
        result["orders"] = ControlOrder.objects.count()
        result["scheduled_tests"] = ScheduledTest.objects.count()
        result["load_average_after_import"] = os.getloadavg()

        seconds, cpu, again = timed(path, area)
        assert again.unchanged == args.rows, (again.unchanged, again.error)
        result["reimport_unchanged"] = {"seconds": round(seconds, 1), "rows_per_s": round(args.rows / seconds, 1),
                                        "cpu_seconds_this_process": round(cpu, 1)}
        result["load_average_after_reimport"] = os.getloadavg()
    finally:
        connection.close()
        if args.drop:
            if url.startswith("postgres"):
                drop_postgres_database(url)
            elif url.startswith("sqlite:///"):
                for suffix in ("", "-wal", "-shm"):
                    Path(url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
