"""Benchmark: `fangkong demo --people N` on PostgreSQL, against a bare COPY of N person rows.

    .venv/bin/python bench/bench_demo.py --people 1000000 [--workers 2] [--database fk_bench_demo] [--keep]

Creates the database (dropping it first if it exists), migrates it, then
1. runs `fangkong demo --people N --seed 7 --workers W --json` as a child process and records
   its wall time, the time of each of its phases, and peak resident memory (getrusage of the
   child: ru_maxrss; the build reports its own and its producers' peaks too);
2. in a second, freshly migrated database on the same server (`<database>_bare`, dropped after),
   COPYs the same number of person rows, already sealed and masked (made once, before the clock
   starts, cycling a sample), into the person table, with the same index handling as the build
   (secondary indexes and foreign keys dropped, rebuilt after): the bare load the build is
   compared with — same table definition, same server, same run; the city stays as built;
3. writes bench/results/demo_<N>.json and .md with the machine's cores and memory, and
   drops the database unless --keep.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
PG = os.environ.get("BENCH_PG", "postgres://fangkong:fangkong@127.0.0.1:5432")


def psql(database: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/{database}", autocommit=True) as conn:
        conn.execute(sql)


def machine() -> dict:
    with open("/proc/meminfo") as fh:
        mem_kb = int(next(line for line in fh if line.startswith("MemTotal")).split()[1])
    with open("/proc/loadavg") as fh:
        load = fh.read().split()[:3]
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024**2, 1),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "load_average_at_start": [float(x) for x in load],
    }


class ServerCpu:
    """CPU seconds used by the PostgreSQL server processes serving one database (server on this machine).

    A thread reads /proc/PID/stat of every backend of the database once a second and keeps the
    last figure of each; their sum is what the server spent on the run (to a second's resolution).
    """

    def __init__(self, database: str) -> None:
        import threading

        self.database = database
        self.seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        tick = os.sysconf("SC_CLK_TCK")
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            while not self._stop.is_set():
                pids = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database])]
                for pid in pids:
                    try:
                        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    except OSError:
                        continue
                    self.seen[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
                self._stop.wait(1.0)

    def __enter__(self) -> ServerCpu:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def seconds(self) -> float:
        return round(sum(self.seen.values()), 1)


def run_child(argv: list[str], env: dict) -> tuple[float, int, str, float]:
    """Wall seconds, peak RSS in KiB, stdout, CPU seconds (user + system, its children included) of a child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"{argv[0]} failed with {proc.returncode}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: run the build first.
    return wall, max(after.ru_maxrss, before.ru_maxrss), proc.stdout, round(cpu, 1)


BARE_LOAD = r'''
import itertools, os, sys, time, json
import django
django.setup()
from django.db import connection, transaction
from django.utils import timezone
from fangkong.core.crypto import Sealer
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.demo.bulk import SuspendedIndexes, TableWriter
from fangkong.demo.generator import CityGenerator, read_divisions
from fangkong.people.models import Household, Person

n = int(sys.argv[1])
# A sample of real generated rows, sealed before the clock starts; the load cycles it.
gen = CityGenerator(read_divisions(), people=min(n, 200_000), seed=7)
sealer = Sealer()
now = timezone.now()
from fangkong.areas.models import Area
# A database of its own: one area and one household for the rows to point at.
area = Area.objects.create(code="41", name="bench", level=1)
household = Household.objects.create(code="41000000000000000001", area=area, area_code="41")
household_id, area_id, area_code = household.pk, area.pk, area.code
sample = []
for chunk in gen.villages():
    for p in chunk.persons:
        sample.append((household_id, area_id, area_code, p.name, "resident_id", sealer.seal(p.id_number),
                       sealer.lookup_hash(p.id_number), mask_id_number(p.id_number), p.birth_date, p.sex,
                       sealer.seal(p.phone) if p.phone else "", sealer.lookup_hash(p.phone) if p.phone else "",
                       mask_phone(p.phone), p.relation, p.occupation, "", p.residence, p.tags, now, now))
columns = ["household_id", "area_id", "area_code", "name", "id_type", "id_number_sealed", "id_number_hash",
           "id_number_masked", "birth_date", "sex", "phone_sealed", "phone_hash", "phone_masked", "relation",
           "occupation", "workplace", "residence", "tags", "created_at", "updated_at"]
writer = TableWriter(Person, ["id", *columns])
started = time.monotonic()
with transaction.atomic():
    # The same bulk-load handling as the demo: secondary indexes and foreign keys rebuilt after the COPY.
    suspended = SuspendedIndexes([Person._meta.db_table])
    suspended.drop()
    batch = []
    for i in range(n):
        row = sample[i % len(sample)]
        # Each row gets its own id and hash (the unique index on the hash must hold).
        batch.append((i + 1, *row[:6], f"{i:064x}", *row[7:]))
        if len(batch) == 50_000:
            writer.write(batch)
            batch.clear()
    writer.write(batch)
    suspended.restore()
print(json.dumps({"seconds": time.monotonic() - started, "rows": Person.objects.count()}))
'''


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--database", default="fk_bench_demo")
    parser.add_argument("--workers", type=int, default=None, help="producer processes of the build (default: its own)")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    info = machine()
    psql("postgres", f'DROP DATABASE IF EXISTS "{args.database}"')
    psql("postgres", f'CREATE DATABASE "{args.database}"')
    env = {"FANGKONG_DEMO": "1", **os.environ, "DATABASE_URL": f"{PG}/{args.database}", "DJANGO_SETTINGS_MODULE": "fangkong.settings"}
    try:
        subprocess.run([BIN / "fangkong", "migrate", "--no-input", "-v", "0"], env=env, check=True)
        with ServerCpu(args.database) as server:
            wall, peak_kib, out, cpu = run_child(
                [str(BIN / "fangkong"), "demo", "--people", str(args.people), "--seed", "7", "--json",
                 *(["--workers", str(args.workers)] if args.workers else [])], env
            )
        load_after_build = [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
        built = json.loads(out)
        # The bare load goes to a database of its own on the same server, so the city stays as built.
        bare_db = f"{args.database}_bare"
        psql("postgres", f'DROP DATABASE IF EXISTS "{bare_db}"')
        psql("postgres", f'CREATE DATABASE "{bare_db}"')
        bare_env = {**env, "DATABASE_URL": f"{PG}/{bare_db}"}
        try:
            subprocess.run([BIN / "fangkong", "migrate", "--no-input", "-v", "0"], env=bare_env, check=True)
            with ServerCpu(bare_db) as bare_server:
                _, _, bare_out, bare_cpu = run_child([sys.executable, "-c", BARE_LOAD, str(args.people)], bare_env)
        finally:
            psql("postgres", f'DROP DATABASE IF EXISTS "{bare_db}"')
        bare = json.loads(bare_out)
    finally:
        if not args.keep:
            psql("postgres", f'DROP DATABASE IF EXISTS "{args.database}"')

    result = {
        "benchmark": "fangkong demo on PostgreSQL",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": info,
        "command": " ".join([".venv/bin/python", "bench/bench_demo.py", *sys.argv[1:]]),
        "people": args.people,
        "workers": args.workers,
        "load_average_after_build": load_after_build,
        "demo_wall_seconds": round(wall, 1),
        "demo_phase_seconds": built.get("phase_seconds", {}),
        "demo_build_seconds": built["seconds"],
        "demo_peak_rss_mib": round(peak_kib / 1024, 1),
        "demo_peak_rss_by_process_mib": built.get("peak_rss_mib", {}),
        "demo_peak_rss_sum_mib": round(sum(built.get("peak_rss_mib", {}).values()), 1),
        "demo_cpu_seconds": {"build_and_producers": cpu, "postgres_server": server.seconds},
        "bare_copy_cpu_seconds": {"loader_with_its_sample": bare_cpu, "postgres_server": bare_server.seconds},
        "persons_per_second": round(args.people / wall),
        "counts": {k: v for k, v in built["counts"].items() if k != "divisions"},
        "bare_copy_seconds": round(bare["seconds"], 1),
        "bare_copy_rows": bare["rows"],
        "demo_to_bare_copy_ratio": round(wall / bare["seconds"], 2),
        "goal": "under 15 minutes and 8 GiB for 10,000,000 people",
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"demo_{args.people}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    stem.with_suffix(".md").write_text(
        f"# fangkong demo --people {args.people:,} on PostgreSQL ({result['date']})\n\n"
        f"Command: `{result['command']}`\n\n"
        f"Machine: {info['cores']} cores, {info['memory_gib']} GiB, load average at start "
        f"{info['load_average_at_start']}, after the build {load_after_build} (shared with other jobs).\n\n"
        "| measure | value |\n| --- | --- |\n"
        f"| wall time of `fangkong demo` (child process) | {result['demo_wall_seconds']} s |\n"
        f"| phases of the build (s) | {json.dumps(result['demo_phase_seconds'])} |\n"
        f"| peak resident memory (build process, largest row producer) | {result['demo_peak_rss_by_process_mib']} MiB, "
        f"sum {result['demo_peak_rss_sum_mib']} MiB |\n"
        f"| CPU seconds: build process and producers / PostgreSQL server | {cpu} / {server.seconds} |\n"
        f"| persons per second | {result['persons_per_second']:,} |\n"
        f"| bare COPY of the same number of person rows (indexes rebuilt after, as the demo does) | {result['bare_copy_seconds']} s |\n"
        f"| CPU seconds of the bare COPY: PostgreSQL server | {bare_server.seconds} |\n"
        f"| demo / bare COPY (wall time) | {result['demo_to_bare_copy_ratio']} |\n\n"
        f"Built: {json.dumps(result['counts'], ensure_ascii=False)}\n"
    )
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
