"""Benchmark: exact ID-number lookup through the API, with the production server, on a big city.

    .venv/bin/python bench/bench_lookup.py --database fk_city10m [--seconds 30] [--connections 8]
        [--server-workers 2] [--misses 0.1] [--sample 20000]

Needs a database with a demo city already built (e.g. `bench/bench_demo.py --people 10000000
--database fk_city10m --keep`) and `wrk` (`apt-get install -y wrk`).

1. Creates a city-command user `bench-city` if missing and a bearer token for it (the CLI).
2. Picks `--sample` random persons (TABLESAMPLE) and opens their sealed ID numbers, plus a share
   of `--misses` valid ID numbers that nobody has (a county outside the city); the numbers go to a
   private temporary file for the load generator only, removed afterwards, never printed.
3. Serves the app with `fangkong serve` (granian, DEBUG off) on 127.0.0.1 and drives
   `POST /api/v1/persons/search` (the number is never put in a URL: the search is a POST by
   contract) from wrk, a separate process, for `--seconds` after a 5-second warm-up.
4. Writes bench/results/lookup_<persons>.json and .md: requests per second, p50/p90/p99/p99.9,
   status counts, the machine (nproc, memory, load averages) and the exact command.
Goal (issue 3): p99 under 20 ms on loopback with 10 million persons.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys

import psycopg
from support import PG, RESULTS, Server, city_token, load_average, machine, wrk


def sample_numbers(database: str, count: int, misses: float, seed: int = 1) -> tuple[list[str], int]:
    """Request bodies: ID numbers of random existing persons, and valid numbers of nobody."""
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    os.environ.setdefault("FANGKONG_DEMO", "1")  # benchmarks run on the loopback with the demo keys
    os.environ.setdefault("FANGKONG_DATA_KEY", "ZGVtby1vbmx5LWRhdGEta2V5LWZhbmdrb25nLTMyYg==")
    import django

    django.setup()
    from fangkong.core.crypto import unseal
    from fangkong.core.ids import check_digit

    with psycopg.connect(f"{PG}/{database}") as conn:
        persons = conn.execute("SELECT count(*) FROM people_person").fetchone()[0]
        share = min(100.0, 100.0 * count * 3 / max(1, persons))
        rows = conn.execute(
            f"SELECT id_number_sealed FROM people_person TABLESAMPLE BERNOULLI ({share:.6f}) "  # noqa: S608 - a float
            "WHERE id_type = 'resident_id' AND id_number_sealed <> '' LIMIT %s", [count],
        ).fetchall()
    rng = random.Random(seed)
    numbers = [unseal(r[0]) for r in rows]
    for _ in range(int(len(numbers) * misses)):
        # Dongcheng, Beijing (110101): a valid number of nobody in the city.
        first17 = f"110101{rng.randint(1940, 2010)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        numbers.append(first17 + check_digit(first17))
    rng.shuffle(numbers)
    return [json.dumps({"id_type": "resident_id", "id_number": n}) for n in numbers], persons


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="fk_city10m")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--misses", type=float, default=0.1)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--label", default="", help="suffix of the result files")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment of the server, e.g. DB_CONN_MAX_AGE=0 (repeatable)")
    args = parser.parse_args()
    server_env = dict(item.split("=", 1) for item in args.env)

    info = machine()
    token = city_token(args.database)
    bodies, persons = sample_numbers(args.database, args.sample, args.misses)
    with Server(args.database, port=args.port, workers=args.server_workers, env=server_env) as server:
        wrk(server.url, "/api/v1/persons/search", method="POST", bodies=bodies, token=token, seconds=5,
            connections=args.connections)
        load_before = load_average()
        figures = wrk(server.url, "/api/v1/persons/search", method="POST", bodies=bodies, token=token,
                      seconds=args.seconds, connections=args.connections)
    result = {
        "benchmark": "exact ID-number lookup, POST /api/v1/persons/search, city-level bearer token",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", "bench/bench_lookup.py", *sys.argv[1:]]),
        "machine": info,
        "load_average_before_measuring": load_before,
        "load_average_after": load_average(),
        "persons_in_database": persons,
        "server": f"fangkong serve (granian), {args.server_workers} workers, DEBUG off"
                  + (f", {' '.join(args.env)}" if args.env else ""),
        "load_generator": f"wrk, 1 thread, {args.connections} connections, {args.seconds} s after a 5 s warm-up",
        "bodies": {"numbers": len(bodies), "share_of_misses": args.misses},
        **figures,
        "goal": "p99 under 20 ms",
        "goal_met": figures["p99_ms"] < 20,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"lookup_{persons}{args.label}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    stem.with_suffix(".md").write_text(
        f"# Exact ID-number lookup through the API, {persons:,} persons in PostgreSQL ({result['date']})\n\n"
        f"Command: `{result['command']}`\n\n"
        f"Machine: nproc {info['nproc']}, {info['memory_gib']} GiB; load average at start {info['load_average']}, "
        f"before measuring {load_before}, after {result['load_average_after']} (shared with other jobs).\n\n"
        f"Server: {result['server']}. Load: {result['load_generator']}. Bodies: {len(bodies):,} numbers, "
        f"{args.misses:.0%} of them nobody's.\n\n"
        "| requests/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | statuses |\n| --- | --- | --- | --- | --- | --- | --- |\n"
        f"| {figures['requests_per_second']:,} | {figures['p50_ms']:.2f} | {figures['p90_ms']:.2f} | {figures['p99_ms']:.2f} "
        f"| {figures['p999_ms']:.2f} | {figures['max_ms']:.2f} | {json.dumps(figures['statuses'])} |\n\n"
        f"Goal: p99 under 20 ms: {'met' if result['goal_met'] else 'not met'}.\n"
    )
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
