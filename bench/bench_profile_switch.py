"""Benchmark: re-deriving 1,000,000 open control orders after a policy-profile switch.

    .venv/bin/python bench/bench_profile_switch.py --database fk_city10m [--orders 1000000] [--keep]
        [--replace-orders] [--profile]

Needs a database with a demo city of at least `--orders` persons (e.g. the one
`bench/bench_demo.py --people 10000000 --database fk_city10m --keep` leaves) and no control
orders yet (the benchmark refuses otherwise, and removes the orders it made unless --keep).

1. Set-up (a bench-only fast path, not timed): every person gets a green health code if they
   have none; `--orders` persons (every k-th by id) get one open order each under the profile in
   force (national-9th-2022): a mix of categories (arrivals from high/medium/low-risk areas,
   inbound travellers, returnees, close and secondary contacts) dated over the last 14 days,
   their measures and scheduled tests made by the real policy engine and written with COPY.
2. Times the real service `control.services.profile_switch` to seed-2021 as the city command:
   the dry run (apply=False, details=500 as the page asks), then the switch itself (apply=True:
   measures replaced, tests cancelled/added, a history row per order, health codes refreshed,
   all in one transaction).
3. Writes bench/results/profile_switch_<orders>.json and .md with the machine (nproc, memory,
   load averages) and the exact command. Goal (issue 4): under 2 minutes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time

from support import RESULTS, django_env, ensure_health_codes, load_average, machine

# (category, origin risk, weight): what a city under control holds, roughly.
MIX = [
    ("risk_area_arrival", "high", 10), ("risk_area_arrival", "medium", 20), ("risk_area_arrival", "low", 15),
    ("returnee", "low", 25), ("inbound", None, 10), ("close_contact", None, 12), ("secondary_contact", None, 8),
]


def set_up(orders: int) -> dict:
    """Open orders for `orders` persons, written with COPY (bench set-up only)."""
    import random

    from django.db import connection, transaction
    from django.utils import timezone

    from fangkong.control.models import ControlOrder, OrderMeasure, ScheduledTest
    from fangkong.demo.bulk import IdBlock, TableWriter
    from fangkong.people.models import Person
    from fangkong.policy.engine import Facts, evaluate
    from fangkong.policy.profile import load_profile

    if ControlOrder.objects.exists():
        raise SystemExit("the database has control orders already: this benchmark makes its own "
                         "(--replace-orders removes them first, e.g. the few hundred a demo city has)")
    profile = load_profile("national-9th-2022")
    persons = Person.objects.count()
    step = max(1, persons // orders)
    rng = random.Random(4)
    today = timezone.localdate()
    weights = [w for *_, w in MIX]
    order_writer = TableWriter(ControlOrder, [
        "id", "person_id", "area_code", "category", "facts", "profile_name", "profile_version", "rule_id",
        "explanation", "checkins_per_day", "starts_on", "ends_on", "status", "created_at", "closing_reason"])
    measure_writer = TableWriter(OrderMeasure, ["id", "order_id", "seq", "measure", "starts_on", "ends_on"])
    test_writer = TableWriter(ScheduledTest, ["id", "order_id", "person_id", "area_code", "due_on", "status"])
    now = timezone.now()
    plans: dict = {}
    started = time.monotonic()
    counts = {"orders": 0, "measures": 0, "tests": 0}
    with transaction.atomic():
        ids, measure_ids, test_ids = IdBlock(ControlOrder), IdBlock(OrderMeasure), IdBlock(ScheduledTest)
        with connection.cursor() as cur:
            cur.execute("SELECT id, area_code FROM people_person WHERE id %% %s = 0 ORDER BY id LIMIT %s", [step, orders])
            rows = cur.fetchall()
        o_rows, m_rows, t_rows = [], [], []
        for person_id, area_code in rows:
            category, risk, _ = rng.choices(MIX, weights)[0]
            day = today - dt.timedelta(days=rng.randrange(14))
            contact = category in ("close_contact", "secondary_contact")
            facts = {"id": str(person_id), "category": category, "origin_risk": risk,
                     "arrival_date": None if contact else day.isoformat(),
                     "last_exposure_date": day.isoformat() if contact else None,
                     "negative_test_date": None, "released_from_centralized_isolation": False}
            key = (category, risk, day)
            plan = plans.get(key)
            if plan is None:
                plan = plans[key] = evaluate(profile, Facts.model_validate(facts))
            if not plan.measures:
                continue
            pk = ids.take()
            o_rows.append((pk, person_id, area_code, category, facts, profile.name, profile.version, plan.rule_id,
                           plan.explanation, plan.checkins_per_day, plan.measures[0].start, plan.measures[-1].end,
                           "ordered", now, ""))
            m_rows += [(measure_ids.take(), pk, i, m.measure, m.start, m.end) for i, m in enumerate(plan.measures, start=1)]
            t_rows += [(test_ids.take(), pk, person_id, area_code, d, "due")
                       for d in sorted({d for m in plan.measures for d in m.test_days})]
            if len(o_rows) >= 50_000:
                for writer, batch in ((order_writer, o_rows), (measure_writer, m_rows), (test_writer, t_rows)):
                    writer.write(batch)
                o_rows, m_rows, t_rows = [], [], []
        for writer, batch in ((order_writer, o_rows), (measure_writer, m_rows), (test_writer, t_rows)):
            writer.write(batch)
        for block in (ids, measure_ids, test_ids):
            block.finish()
    # Their health codes as the order's category makes them (the orders are new: no overdue test yet).
    from fangkong.policy.health import colour_for

    with connection.cursor() as cur:
        for category, *_ in MIX:
            colour = colour_for(profile, {category})
            cur.execute(
                "UPDATE control_healthcode h SET colour = %s, reasons = %s::jsonb FROM control_controlorder o "
                "WHERE o.person_id = h.person_id AND o.category = %s",
                [colour.colour, json.dumps(list(colour.reasons)), category],
            )
        for model in (ControlOrder, OrderMeasure, ScheduledTest):
            cur.execute(f"ANALYZE {model._meta.db_table}")  # noqa: S608 - model table
    counts.update(orders=order_writer.written, measures=measure_writer.written, tests=test_writer.written)
    counts["seconds"] = round(time.monotonic() - started, 1)
    return counts


def clean_up() -> None:
    """Remove the orders and switch records the benchmark made; health codes back to green."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("TRUNCATE control_ordermeasure, control_scheduledtest, control_historicalcontrolorder, "
                    "control_activeprofile, control_controlorder CASCADE")
        cur.execute("UPDATE control_healthcode SET colour = 'green', reasons = '[]' WHERE colour <> 'green'")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="fk_city10m")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the orders made for the benchmark")
    parser.add_argument("--label", default="", help="suffix of the result files (e.g. _before_split)")
    parser.add_argument("--replace-orders", action="store_true",
                        help="remove the database's control orders first (a demo city's own few hundred)")
    parser.add_argument("--profile", action="store_true",
                        help="run the apply under cProfile and print where its time goes (slower; not a result)")
    args = parser.parse_args()

    info = machine()
    codes = ensure_health_codes(args.database)
    os.environ.update(django_env(args.database))
    import django

    django.setup()
    from fangkong.control import services
    from fangkong.control.models import ActiveProfile, ControlOrder
    from fangkong.core.models import User

    if args.replace_orders:
        clean_up()
    made = set_up(args.orders)
    chief = User.objects.filter(role="city_command", area_code__startswith="4114").order_by("pk").first()
    try:
        load_dry = load_average()
        started = time.monotonic()
        changes, _ = services.profile_switch(by=chief, name="seed-2021", apply=False, details=500)
        dry = time.monotonic() - started
        load_apply = load_average()
        started = time.monotonic()
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            applied, record = profiler.runcall(services.profile_switch, by=chief, name="seed-2021", apply=True,
                                               details=500)
            wet = time.monotonic() - started
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(r"fangkong|psycopg.*(copy|execute)", 40)
        else:
            applied, record = services.profile_switch(by=chief, name="seed-2021", apply=True, details=500)
            wet = time.monotonic() - started
        after = {
            "orders_under_seed_2021": ControlOrder.objects.filter(profile_name="seed-2021").count(),
            "switch_records": ActiveProfile.objects.count(),
            "history_rows": ControlOrder.history.count(),
        }
    finally:
        if not args.keep:
            clean_up()
    result = {
        "benchmark": "profile switch national-9th-2022 -> seed-2021 over open orders (control.services.profile_switch)",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", "bench/bench_profile_switch.py", *sys.argv[1:]]),
        "machine": info,
        "load_average_before_dry_run": load_dry,
        "load_average_before_apply": load_apply,
        "load_average_after": load_average(),
        "set_up": {"health_codes": codes, **made},
        "dry_run_seconds": round(dry, 1),
        "dry_run_phase_seconds": changes.seconds,
        "dry_run_changes": changes.total,
        "apply_seconds": round(wet, 1),
        "apply_phase_seconds": applied.seconds,
        "applied_changes": record.changed_orders,
        "after": after,
        "goal": "under 2 minutes",
        "goal_met": dry < 120 and wet < 120,
    }
    if args.profile:  # a diagnosis, not a result
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"profile_switch_{made['orders']}{args.label}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    stem.with_suffix(".md").write_text(
        f"# Profile switch over {made['orders']:,} open orders, PostgreSQL ({result['date']})\n\n"
        f"Command: `{result['command']}`\n\n"
        f"Machine: nproc {info['nproc']}, {info['memory_gib']} GiB; load average at start {info['load_average']}, "
        f"before the dry run {load_dry}, before applying {load_apply}, after {result['load_average_after']} "
        "(shared with other jobs).\n\n"
        f"Set-up (not timed): {made['orders']:,} orders, {made['measures']:,} measures, {made['tests']:,} scheduled tests "
        f"in {made['seconds']} s; health codes {codes}.\n\n"
        "| step | seconds | orders changed |\n| --- | --- | --- |\n"
        f"| dry run (`apply=False`) | {result['dry_run_seconds']} | {changes.total:,} |\n"
        f"| apply (`apply=True`, one transaction, history and health codes included) | {result['apply_seconds']} "
        f"| {record.changed_orders:,} |\n\n"
        f"Seconds per phase: dry run {json.dumps(changes.seconds)}; apply {json.dumps(applied.seconds)}.\n\n"
        f"After: {json.dumps(after)}. Goal: under 2 minutes each: {'met' if result['goal_met'] else 'not met'}.\n"
    )
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
