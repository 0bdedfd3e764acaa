"""Benchmark: the validated import path against a bare bulk load of the same rows.

Usage (from the project directory, with the venv):

    # PostgreSQL (the database is created, used and dropped):
    .venv/bin/python bench/bench_import.py --rows 1000000 \
        --database-url postgres://fangkong:fangkong@127.0.0.1:5432/fk_bench_import --drop
    # SQLite (a scratch file, removed afterwards):
    .venv/bin/python bench/bench_import.py --rows 1000000 --database-url sqlite:////tmp/fk_bench_import.sqlite3 --drop
    # add --dedup-rows 100000 to also time a 100,000-row import with and without duplicate detection,
    # and --profile to print the top of a cProfile of the import.

It generates N valid person rows as CSV (ID numbers with real check characters,
households of three, phones), imports them through fangkong.people.importing
(the code behind the web page, the API and `fangkong import`), then loads the same
rows bare into a scratch table with the person table's columns and indexes
(SQLite: executemany in one transaction; PostgreSQL: COPY), and prints rows/s of
each and their ratio as JSON.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime as dt
import io
import json
import os
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国建华志强文博浩然子涵欣怡梓轩一诺宇轩雨泽思远"
HEADERS = ["户编码", "区域编码", "地址", "姓名", "证件类型", "证件号码", "性别", "出生日期", "与户主关系", "手机号码", "职业",
           "居住状态", "标签"]
GRIDS = 50


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    os.environ.setdefault("FANGKONG_DEMO", "1")  # benchmarks run on the loopback with the demo keys
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()


def create_postgres_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_postgres_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def build_tree() -> list[str]:
    from fangkong.areas.models import Area

    parent = None
    for code, name, level in (("41", "河南省", 1), ("4114", "商丘市", 2), ("411402", "梁园区", 3),
                              ("411402001", "一街道", 4), ("411402001001", "一社区", 5)):
        parent = Area.objects.create(code=code, name=name, level=level, parent=parent)
    grids = [Area(code=f"{parent.code}{i:03d}", name=f"第{i}网格", level=6, parent=parent) for i in range(1, GRIDS + 1)]
    Area.objects.bulk_create(grids)
    return [g.code for g in grids]


def person_rows(n: int, grids: list[str], offset: int = 0):
    """Deterministic, valid rows: ID i has birth date day (i mod 25000) after 1940-01-01 and sequence i // 25000."""
    from fangkong.core.ids import check_digit

    base = dt.date(1940, 1, 1)
    for j in range(n):
        i = j + offset
        born = base + dt.timedelta(days=(i * 7919) % 25000)
        seq = f"{(i // 25000) % 1000:03d}"
        first17 = f"411402{born:%Y%m%d}{seq}"
        hh = i // 3
        grid = grids[hh % len(grids)]
        name = SURNAMES[(i * 31) % len(SURNAMES)] + GIVEN[(i * 17) % len(GIVEN)] + GIVEN[(i * 7) % len(GIVEN)]
        yield [f"{grid}{hh:07d}", grid, f"幸福路{hh}号", name, "居民身份证", first17 + check_digit(first17),
               "男" if int(seq[-1]) % 2 else "女", born.isoformat(), "户主" if i % 3 == 0 else "家人",
               f"138{i % 100000000:08d}", "", "在家", ""]


def write_csv(path: Path, rows) -> int:
    count = 0
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


BARE_COLUMNS = ["household_id", "area_id", "area_code", "name", "id_type", "id_number_sealed", "id_number_hash",
                "id_number_masked", "birth_date", "sex", "phone_sealed", "phone_hash", "phone_masked", "relation",
                "occupation", "workplace", "residence", "tags", "merged_into_id", "created_at", "updated_at"]
BARE_INDEXES = [("area_code",), ("area_code", "id"), ("name", "birth_date"), ("phone_hash",), ("id_number_hash",)]


def create_bare_table(vendor: str) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_bare_person")
        if vendor == "postgresql":
            cur.execute("CREATE TABLE bench_bare_person (LIKE people_person INCLUDING DEFAULTS INCLUDING IDENTITY)")
            cur.execute("ALTER TABLE bench_bare_person ADD PRIMARY KEY (id)")
        else:
            cur.execute("""CREATE TABLE bench_bare_person (id integer PRIMARY KEY AUTOINCREMENT, household_id bigint,
                area_id bigint, area_code varchar(24), name varchar(100), id_type varchar(20), id_number_sealed text,
                id_number_hash varchar(64), id_number_masked varchar(40), birth_date date, sex varchar(1),
                phone_sealed text, phone_hash varchar(64), phone_masked varchar(20), relation varchar(20),
                occupation varchar(100), workplace varchar(200), residence varchar(12), tags text,
                merged_into_id bigint, created_at datetime, updated_at datetime)""")
        for i, cols in enumerate(BARE_INDEXES):
            cur.execute(f"CREATE INDEX bench_bare_{i} ON bench_bare_person ({', '.join(cols)})")


def bare_load(path: Path, vendor: str, area_ids: dict[str, int]) -> float:
    """The same rows, no validation, no sealing, no lookups: read the CSV and bulk-insert its columns."""
    from django.db import connection, transaction

    now = dt.datetime.now(dt.UTC).isoformat()
    placeholders = ", ".join(["%s"] * len(BARE_COLUMNS))
    insert = f"INSERT INTO bench_bare_person ({', '.join(BARE_COLUMNS)}) VALUES ({placeholders})"

    def tuples():
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            next(reader)
            for (_hh, area, _address, name, _t, number, sex, born, relation, phone, occupation, _res, _tags) in reader:
                yield (None, area_ids[area], area, name, "resident_id", number, "", "", born,
                       "M" if sex == "男" else "F", phone, "", "", relation, occupation, "", "resident", "[]", None,
                       now, now)

    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        if vendor == "postgresql":
            raw = cur.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY bench_bare_person ({', '.join(BARE_COLUMNS)}) FROM STDIN") as copy:
                for row in tuples():
                    copy.write_row(row)
        else:
            batch = []
            for row in tuples():
                batch.append(row)
                if len(batch) == 10000:
                    cur.executemany(insert, batch)
                    batch.clear()
            if batch:
                cur.executemany(insert, batch)
    return time.perf_counter() - start


def truncate_people() -> None:
    from django.db import connection

    tables = ["people_duplicatecandidate", "people_importreject", "people_importbatch", "people_historicalperson",
              "people_person", "people_historicalhousehold", "people_household"]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            for table in tables:
                cur.execute(f"DELETE FROM {table}")


def backend_cpu_seconds() -> float | None:
    """CPU time used so far by this connection's PostgreSQL server process (None when it cannot be read)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def wal_counters() -> tuple[int, int] | None:
    """WAL bytes and full-page images written so far by the whole PostgreSQL cluster (pg_stat_wal)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_stat_force_next_flush()")  # this session's WAL counts reach pg_stat_wal now
        cur.execute("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0'), wal_fpi FROM pg_stat_wal")
        wal_bytes, fpi = cur.fetchone()
    return int(wal_bytes), int(fpi)


def wal_since(before: tuple[int, int] | None) -> dict | None:
    after = wal_counters()
    if before is None or after is None:
        return None
    return {"wal_mb": round((after[0] - before[0]) / 1e6), "full_page_images": after[1] - before[1]}


def peak_rss_mib() -> int | None:
    """This process's resident memory high-water mark so far (Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        return None
    return None


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_import(path: Path, *, dedup: bool = True, profile: bool = False, workers: int | None = None,
                 chunk_size: int | None = None) -> tuple[float, object, str]:
    from fangkong.imports import pipeline

    profiler = cProfile.Profile() if profile else None
    cpu = time.process_time()
    children = children_cpu_seconds()
    server = backend_cpu_seconds()
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    kwargs = {} if workers is None else {"workers": workers}
    if chunk_size:
        kwargs["chunk_size"] = chunk_size
    batch = pipeline.import_file(user=pipeline.command_line_actor(), path=path, kind="people", dedup=dedup, language="en", **kwargs)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - start
    batch.cpu_seconds = time.process_time() - cpu
    batch.children_cpu_seconds = children_cpu_seconds() - children
    after = backend_cpu_seconds()
    batch.server_cpu_seconds = after - server if server is not None and after is not None else None
    report = ""
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumulative")).print_stats(35)
        report = out.getvalue()
    return seconds, batch, report


FLOOR_TABLES = ["people_household", "people_historicalhousehold", "people_person", "people_historicalperson"]


def write_floor() -> dict:
    """The import's rows without the import: the households, persons and history rows it wrote, read back
    and COPYed into the emptied tables in one transaction (same indexes, foreign keys checked at commit,
    the import's session settings). No parsing, validation, sealing or lookups: what the writes alone cost."""
    from django.db import connection, transaction

    dumps = {}
    with connection.cursor() as cur:
        raw = cur.cursor
        for table in FLOOR_TABLES:
            buf = io.BytesIO()
            with raw.copy(f"COPY {table} TO STDOUT") as copy:
                for data in copy:
                    buf.write(data)
            dumps[table] = buf.getvalue()
        truncate_people()
        cur.execute("CHECKPOINT")
    rows = {table: data.count(b"\n") for table, data in dumps.items()}
    server, start, wal = backend_cpu_seconds(), time.perf_counter(), wal_counters()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL jit = off; SET LOCAL synchronous_commit = off")
        for table in FLOOR_TABLES:
            with cur.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                data = dumps[table]
                for at in range(0, len(data), 1 << 20):
                    copy.write(data[at:at + (1 << 20)])
    return {"rows": rows, "seconds": round(time.perf_counter() - start, 1),
            "cpu_seconds_server": round(backend_cpu_seconds() - server, 1), "wal_cluster_wide": wal_since(wal)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", "sqlite:////tmp/fk_bench_import.sqlite3"))
    parser.add_argument("--drop", action="store_true", help="drop the PostgreSQL database / remove the SQLite file after")
    parser.add_argument("--dedup-rows", type=int, default=0, help="also time an import of this many rows with and "
                                                                 "without duplicate detection, on top of the first")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--skip-reimport", action="store_true", help="do not time the re-import of the same file")
    parser.add_argument("--chunk-size", type=int, default=None, help="rows per transaction (default: the importer's)")
    parser.add_argument("--floor", action="store_true", help="PostgreSQL: at the end, time COPYing the rows the "
                                                             "import wrote back into the emptied tables")
    parser.add_argument("--workers", type=int, default=None,
                        help="parser processes for the import (default: the importer's own choice)")
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

    work = Path(tempfile.mkdtemp(prefix="fk-bench-import-"))
    settings.MEDIA_ROOT = work / "media"
    result: dict = {"rows": args.rows, "database": connection.vendor, "cpus": os.cpu_count()}
    try:
        call_command("migrate", verbosity=0)
        grids = build_tree()
        from fangkong.areas.models import Area

        area_ids = dict(Area.objects.values_list("code", "id"))
        path = work / "persons.csv"
        t = time.perf_counter()
        write_csv(path, person_rows(args.rows, grids))
        result["generate_seconds"] = round(time.perf_counter() - t, 1)
        result["csv_mb"] = round(path.stat().st_size / 1e6, 1)

        wal = wal_counters()
        seconds, batch, report = timed_import(path, profile=args.profile, workers=args.workers, chunk_size=args.chunk_size)
        result["import_wal_cluster_wide"] = wal_since(wal)
        result["import_peak_rss_mib_this_process"] = peak_rss_mib()
        assert batch.status == "done" and batch.created == args.rows, (batch.status, batch.created, batch.error)
        result["import_seconds"] = round(seconds, 1)
        result["import_rows_per_s"] = round(args.rows / seconds)
        result["import_cpu_seconds_this_process"] = round(batch.cpu_seconds, 1)
        result["import_cpu_seconds_parser_processes"] = round(batch.children_cpu_seconds, 1)
        if batch.server_cpu_seconds is not None:
            result["import_cpu_seconds_server"] = round(batch.server_cpu_seconds, 1)
        result["import_phases_seconds"] = {k: round(v, 1) for k, v in getattr(batch, "timings", {}).items()}
        result["load_average_after_import"] = os.getloadavg()

        create_bare_table(connection.vendor)
        bare_cpu, bare_server, wal = time.process_time(), backend_cpu_seconds(), wal_counters()
        bare = bare_load(path, connection.vendor, area_ids)
        result["bare_wal_cluster_wide"] = wal_since(wal)
        result["bare_cpu_seconds_this_process"] = round(time.process_time() - bare_cpu, 1)
        if bare_server is not None:
            result["bare_cpu_seconds_server"] = round(backend_cpu_seconds() - bare_server, 1)
        result["bare_seconds"] = round(bare, 1)
        result["bare_rows_per_s"] = round(args.rows / bare)
        result["ratio"] = round(bare / seconds, 3)

        result["load_average_after_bare"] = os.getloadavg()
        if not args.skip_reimport:
            reimport, batch2, _ = timed_import(path, workers=args.workers, chunk_size=args.chunk_size)
            assert batch2.unchanged == args.rows, (batch2.unchanged, batch2.error)
            result["reimport_unchanged_seconds"] = round(reimport, 1)

        if args.dedup_rows:
            for dedup, offset in ((True, 10_000_000), (False, 20_000_000)):
                extra = work / f"extra-{dedup}.csv"
                write_csv(extra, person_rows(args.dedup_rows, grids, offset=offset))
                secs, b, _ = timed_import(extra, dedup=dedup, workers=args.workers, chunk_size=args.chunk_size)
                assert b.created == args.dedup_rows, (b.created, b.rejected, b.error)
                key = "with_dedup" if dedup else "without_dedup"
                result[f"{key}_rows"] = args.dedup_rows
                result[f"{key}_seconds"] = round(secs, 1)
                result[f"{key}_rows_per_s"] = round(args.dedup_rows / secs)
                result[f"{key}_candidates"] = b.duplicates
        if args.floor and connection.vendor == "postgresql":
            floor = result["write_floor"] = write_floor()
            # as the import's ratio: persons per second over the bare load's rows per second
            floor["persons_per_s"] = round(floor["rows"]["people_person"] / floor["seconds"])
            floor["ratio"] = round(floor["persons_per_s"] / (args.rows / bare), 3)
        result["nproc"] = os.cpu_count()
        result["memory_gib"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
        result["peak_rss_mib_parser_processes"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        result["load_average_end"] = os.getloadavg()
        print(json.dumps(result, ensure_ascii=False))
        if report:
            print(report, file=sys.stderr)
    finally:
        connection.close()
        if args.drop:
            if url.startswith("postgres"):
                drop_postgres_database(url)
            elif url.startswith("sqlite:///"):
                for suffix in ("", "-wal", "-shm"):
                    Path(url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
