"""Benchmark: the health-code verification endpoint (验码) against a trivial endpoint of the same server.

    .venv/bin/python bench/bench_verify.py --database fk_city10m [--seconds 30] [--connections 8]
        [--server-workers 2] [--sample 20000]

Needs a database with a demo city already built (e.g. `bench/bench_demo.py --people 10000000
--database fk_city10m --keep`) and `wrk` (`apt-get install -y wrk`).

1. Set-up (not timed): every person without a health code gets a green one (a random 43-character
   token, made by the database: support.ensure_health_codes); a city-command user and its bearer
   token; `--scanners` checkpoint users with a token each (default 2,000: the scan is limited per user,
   120 a minute, so one user would measure the limit); `--sample` random codes' tokens, each request
   sent by the next scanner in turn.
2. Serves the app with `fangkong serve` (granian, DEBUG off) on 127.0.0.1 and, from wrk (a separate
   process), alternates in the same run: `GET /healthz` (the trivial endpoint: the whole middleware
   stack, no database), `GET /readyz` (the same plus one `SELECT 1` round trip to the database: what
   any endpoint that touches the database pays at least), then `POST /api/v1/control/verify` with a
   token (looks the code up, logs the verification, answers colour, masked name and time), twice
   each, `--seconds`/2 each time, after a 5-second warm-up of each.
3. Writes bench/results/verify_<persons>.json and .md: requests per second and p50/p90/p99 of both,
   the ratio of throughputs, the machine (nproc, memory, load averages) and the exact command.
Goal (issue 4): at least 50 % of the trivial endpoint's throughput and p99 under 50 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

import psycopg
from support import (
    PG,
    RESULTS,
    Server,
    city_token,
    ensure_health_codes,
    load_average,
    machine,
    scanner_tokens,
    wrk,
)


def sample_bodies(database: str, count: int) -> list[str]:
    with psycopg.connect(f"{PG}/{database}") as conn:
        codes = conn.execute("SELECT count(*) FROM control_healthcode").fetchone()[0]
        share = min(100.0, 100.0 * count * 3 / max(1, codes))
        tokens = [r[0] for r in conn.execute(
            f"SELECT token FROM control_healthcode TABLESAMPLE BERNOULLI ({share:.6f}) LIMIT %s", [count],  # noqa: S608
        )]
    return [json.dumps({"token": t, "device": f"bench-scanner-{i % 5000}"}) for i, t in enumerate(tokens)]


def with_scanners(bodies: list[str], tokens: list[str]) -> list[str]:
    """Each body sent by one of the scanners in turn (support.wrk: "TOKEN<tab>BODY")."""
    return [f"{tokens[i % len(tokens)]}\t{body}" for i, body in enumerate(bodies)]


def combine(runs: list[dict]) -> dict:
    """Two runs of one endpoint as one: requests and seconds added, the worse of each percentile."""
    requests = sum(r["requests"] for r in runs)
    seconds = sum(r["seconds"] for r in runs)
    statuses: dict[str, int] = {}
    for r in runs:
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    return {
        "requests": requests, "seconds": round(seconds, 3), "requests_per_second": round(requests / seconds, 1),
        **{k: max(r[k] for r in runs) for k in ("p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms")},
        "socket_errors": sum(r["socket_errors"] for r in runs), "statuses": statuses, "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="fk_city10m")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--label", default="", help="suffix of the result files")
    parser.add_argument("--scanners", type=int, default=2000,
                        help="checkpoint users the scans are spread over (each is limited to 120 scans a minute)")
    args = parser.parse_args()

    info = machine()
    codes = ensure_health_codes(args.database)
    token = city_token(args.database)
    bodies = with_scanners(sample_bodies(args.database, args.sample), scanner_tokens(args.database, args.scanners))
    with psycopg.connect(f"{PG}/{args.database}") as conn:
        persons = conn.execute("SELECT count(*) FROM people_person").fetchone()[0]
    half = max(1, args.seconds // 2)
    trivial, round_trip, verify = [], [], []
    with Server(args.database, port=args.port, workers=args.server_workers) as server:
        def healthz(seconds: int) -> dict:
            return wrk(server.url, "/healthz", seconds=seconds, connections=args.connections)

        def readyz(seconds: int) -> dict:
            return wrk(server.url, "/readyz", seconds=seconds, connections=args.connections)

        def verification(seconds: int) -> dict:
            return wrk(server.url, "/api/v1/control/verify", method="POST", bodies=bodies, token=token,  # per line
                       seconds=seconds, connections=args.connections)

        healthz(5)
        readyz(5)
        verification(5)
        load_before = load_average()
        for _ in range(2):
            trivial.append(healthz(half))
            round_trip.append(readyz(half))
            verify.append(verification(half))
    trivial_all, round_trip_all, verify_all = combine(trivial), combine(round_trip), combine(verify)
    ratio = round(verify_all["requests_per_second"] / trivial_all["requests_per_second"], 3)
    round_trip_ratio = round(round_trip_all["requests_per_second"] / trivial_all["requests_per_second"], 3)
    result = {
        "benchmark": "health-code verification POST /api/v1/control/verify vs GET /healthz, same server, same run "
                     "(and GET /readyz: one database round trip, for reference)",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", "bench/bench_verify.py", *sys.argv[1:]]),
        "machine": info,
        "load_average_before_measuring": load_before,
        "load_average_after": load_average(),
        "persons_in_database": persons,
        "health_codes": codes,
        "server": f"fangkong serve (granian), {args.server_workers} workers, DEBUG off",
        "load_generator": f"wrk, 1 thread, {args.connections} connections; healthz, readyz and verify alternated twice, "
                          f"{half} s each, after 5 s warm-ups",
        "trivial": trivial_all,
        "one_round_trip": round_trip_all,
        "verify": verify_all,
        "throughput_ratio": ratio,
        "one_round_trip_ratio": round_trip_ratio,
        "goal": "verify >= 50 % of the trivial endpoint's requests/s and verify p99 under 50 ms",
        "goal_met": ratio >= 0.5 and verify_all["p99_ms"] < 50,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"verify_{persons}{args.label}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    rows = "".join(
        f"| {label} | {r['requests_per_second']:,} | {r['p50_ms']:.2f} | {r['p90_ms']:.2f} | {r['p99_ms']:.2f} "
        f"| {r['max_ms']:.2f} | {json.dumps(r['statuses'])} |\n"
        for label, r in (("GET /healthz (trivial)", trivial_all), ("GET /readyz (one `SELECT 1`)", round_trip_all),
                         ("POST /api/v1/control/verify", verify_all))
    )
    stem.with_suffix(".md").write_text(
        f"# Health-code verification vs a trivial endpoint, {persons:,} persons in PostgreSQL ({result['date']})\n\n"
        f"Command: `{result['command']}`\n\n"
        f"Machine: nproc {info['nproc']}, {info['memory_gib']} GiB; load average at start {info['load_average']}, "
        f"before measuring {load_before}, after {result['load_average_after']} (shared with other jobs).\n\n"
        f"Server: {result['server']}. Load: {result['load_generator']}. Health codes: {codes}.\n\n"
        "| endpoint | requests/s | p50 ms | p90 ms | p99 ms | max ms | statuses |\n"
        "| --- | --- | --- | --- | --- | --- | --- |\n" + rows +
        f"\nThroughput ratio verify / trivial: {ratio} (one `SELECT 1` round trip / trivial: {round_trip_ratio}). "
        "Goal (≥ 0.5 and p99 < 50 ms): "
        f"{'met' if result['goal_met'] else 'not met'}.\n"
    )
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
