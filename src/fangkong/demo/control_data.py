"""Key-population control in the demo city, so a demo login meets a living system.

`build(city_code=…, seed=…, people=…)` runs once at the end of `fangkong demo`, after the
demo users exist. Deterministic by seed (dates are relative to today): a handful of risk
areas (several outside the city, a few inside it), arrivals of the last 14 days (about one
per 2,000 persons, capped, and a few in the demo grid worker's own grid), their control
orders derived from the profile in force, past test results and daily check-ins, one fever
that escalated, one missed test escalated up the chain, and gathering applications pending
and decided.

Everything that carries a rule goes through the real services (arrival_register derives the
orders from the active profile; checkin_record escalates the fever; overdue_scan escalates the
missed test; orders_release_due releases finished schedules; the gathering services check who
decides). Routine history that no rule reacts to (normal temperatures on past days, negative
results of past tests) is written in bulk, with the same rows those services would write.
Counts are capped, so the step costs about the same at 200,000 and at 10 million persons.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from fangkong.areas.models import Area
from fangkong.arrivals import services as arrivals_services
from fangkong.arrivals.actions import DECLARATION_SUBMIT
from fangkong.arrivals.models import Arrival
from fangkong.control import services as control
from fangkong.control.models import CheckIn, ControlOrder, Escalation, OrderMeasure, ScheduledTest
from fangkong.core.clock import SHANGHAI
from fangkong.core.clock import today as local_today
from fangkong.core.scoping import subtree_q
from fangkong.gatherings import services as gatherings_services
from fangkong.gatherings.models import Gathering, GatheringStep
from fangkong.healthcodes.models import HealthCode, Verification
from fangkong.healthcodes.services import health_codes_refresh
from fangkong.people.models import Person
from fangkong.policy.engine import Facts, evaluate
from fangkong.risk import services as risk_services
from fangkong.risk.models import RiskArea
from fangkong.risk.rows import RiskRow
from fangkong.risk.selectors import risk_level_on

DEMO_SOURCE = "演示数据"  # the source of the demo's risk areas, so a rebuild removes exactly those
PERSONS_PER_ARRIVAL = 2000
MAX_ARRIVALS = 600  # beyond ~1.2 million persons the demo's arrivals stop growing
GRID_ARRIVALS = 6  # in the demo grid worker's own grid, so their "Today" list has work on it
ARRIVAL_DAYS = 14

# (division code, name, level, zone, started so many days ago); the origins of arrivals.
OUTSIDE_RISK_AREAS = (
    ("310115", "上海市浦东新区", "high", "", 21),
    ("110105", "北京市朝阳区", "medium", "", 20),
    ("610113", "陕西省西安市雁塔区", "medium", "controlled", 19),
    ("440106", "广东省广州市天河区", "low", "", 25),
    ("330106", "浙江省杭州市西湖区", "low", "", 25),
    ("320505", "江苏省苏州市虎丘区", "low", "", 24),
)
ABROAD = ("韩国首尔", "日本东京", "泰国曼谷", "阿联酋迪拜", "英国伦敦")
NO_RISK_ORIGINS = (("410105", "河南省郑州市金水区"), ("410305", "河南省洛阳市涧西区"))
SOURCES = (("checkpoint", 4), ("self", 3), ("assist", 2), ("big_data", 2), ("import", 1), ("manual", 1))
TRANSPORT = (("train", "G"), ("plane", "MU"), ("car", "豫N"), ("bus", "K"))

# The demo grid's own arrivals: (days ago, origin code or "", origin name, category, role): a medium-risk
# arrival today, a low-risk returnee yesterday, a high-risk arrival in centralized isolation, a medium-risk
# arrival whose first test was missed (escalated up the chain), one whose check-in today shows a fever,
# an inbound traveller on home monitoring after centralized isolation.
GRID_PLAN = (
    (0, "110105", "北京市朝阳区", "risk_area_arrival", "grid-0"),
    (1, "440106", "广东省广州市天河区", "returnee", "grid-1"),
    (2, "310115", "上海市浦东新区", "risk_area_arrival", "grid-2"),
    (3, "610113", "陕西省西安市雁塔区", "risk_area_arrival", "missed_test"),
    (5, "110105", "北京市朝阳区", "risk_area_arrival", "fever"),
    (9, "", "韩国首尔", "inbound", "grid-5"),
)

GATHERING_KINDS_TITLES = {
    "wedding": "婚宴", "funeral": "丧事", "folk": "庙会", "conference": "工作会议", "performance": "文艺演出",
    "exhibition": "农产品展销会", "promotion": "商场促销",
}


def wipe(city_code: str) -> None:
    """Remove the control data of persons and places under `city_code` and the demo's risk areas.

    Run before the city's persons are removed (they are referenced by arrivals, orders and codes).
    """
    orders = ControlOrder.objects.filter(subtree_q(city_code))
    with transaction.atomic():
        for model in (Escalation, CheckIn, ScheduledTest, OrderMeasure):
            model.objects.filter(order__in=orders.values("pk")).delete()
        Escalation.objects.filter(subtree_q(city_code)).delete()
        orders.delete()
        ControlOrder.history.filter(subtree_q(city_code)).delete()
        Arrival.objects.filter(subtree_q(city_code)).delete()
        HealthCode.objects.filter(subtree_q(city_code)).delete()
        Verification.objects.filter(person__in=Person.objects.filter(subtree_q(city_code)).values("pk")).delete()
        gatherings = Gathering.objects.filter(subtree_q(city_code))
        files = [g.plan_file for g in gatherings.exclude(plan_file="").only("plan_file")]
        GatheringStep.objects.filter(gathering__in=gatherings.values("pk")).delete()
        gatherings.delete()
        RiskArea.objects.filter(source=DEMO_SOURCE).delete()
        RiskArea.history.filter(source=DEMO_SOURCE).delete()
        for f in files:
            storage, name = f.storage, f.name
            transaction.on_commit(lambda s=storage, n=name: s.delete(n))


def build(*, city_code: str, seed: int, people: int) -> dict:
    """Write the demo's control data; returns what was written."""
    rng = random.Random(f"fangkong-demo-control:{seed}")
    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="demo-")}
    city_user, grid_user = users.get("demo-city"), users.get("demo-grid")
    if city_user is None or grid_user is None:
        return {"skipped": "no demo users"}
    started = time.monotonic()
    today = local_today()
    now = timezone.now()
    counts: dict = {}
    with transaction.atomic():
        counts["risk_areas"] = _risk_areas(rng, city_code, grid_user.area_code, city_user, today)
        plan = _arrival_plan(rng, city_code, grid_user.area_code, people)
        city_name = Area.objects.filter(code=city_code).values_list("name", flat=True).first() or ""
        persons = Person.objects.select_related("household", "household__responsible").in_bulk([e[0] for e in plan])
        arrivals: dict = {}
        for entry in plan:
            draws = _draws(rng, entry, persons[entry[0]], today, city_name)
            if entry[-1]:  # the demo grid's own: through the real service, one by one
                if draws["source"] == "self":  # as the public self-declaration page registers them
                    arrivals[entry[-1]] = arrivals_services.arrival_register(by=None, action=DECLARATION_SUBMIT, **draws)
                else:
                    arrivals[entry[-1]] = arrivals_services.arrival_register(by=city_user, **draws)
            else:
                arrivals[entry[0]] = draws
        bulk = bulk_arrivals([a for a in arrivals.values() if isinstance(a, dict)], user=city_user, now=now)
        counts["arrivals"] = len(arrivals)
        orders = list(ControlOrder.objects.filter(arrival__in=[a for a in arrivals.values() if isinstance(a, Arrival)] + bulk)
                      .select_related("person").order_by("pk"))
        counts["orders"] = len(orders)
        keep_due = _first_test(arrivals.get("missed_test"))
        counts["results"] = _past_results(orders, today, keep_due)
        counts["checkins"] = _past_checkins(rng, orders, today, now)
        bulk_ids = {a.pk for a in bulk}
        counts["released"] = bulk_release([o for o in orders if o.arrival_id in bulk_ids], today, now)
        # Results and releases changed the bulk persons' colours: once more, as the services' on-commit refresh would.
        health_codes_refresh(person_ids={o.person_id for o in orders if o.arrival_id in bulk_ids}, now=now)
        fever = arrivals["fever"].orders.first() if "fever" in arrivals else None
        if fever is not None and fever.is_open:
            control.checkin_record(by=grid_user, order=fever, temperature=Decimal("38.4"), symptoms=["fever", "cough"],
                                   note="体温异常，已电话告知村医")
        control.overdue_scan(now=now)
        counts["released"] += control.orders_release_due(on=today)
        counts["escalations"] = Escalation.objects.filter(subtree_q(city_code), resolved_at__isnull=True).count()
        counts["gatherings"] = _gatherings(rng, users, grid_user.area_code, today)
    counts["seconds"] = round(time.monotonic() - started, 2)
    return counts


# --- risk areas -----------------------------------------------------------------------------------


def _risk_areas(rng: random.Random, city_code: str, grid_code: str, user, today: dt.date) -> int:
    RiskArea.objects.filter(source=DEMO_SOURCE).delete()
    rows = [(code, name, level, zone, today - dt.timedelta(days=ago), None)
            for code, name, level, zone, ago in OUTSIDE_RISK_AREAS]
    # Inside the city, away from the demo grid's county (its gatherings stay allowed): a village sealed
    # as a high-risk area, a township at medium risk, and an earlier medium-risk township since lifted.
    counties = list(Area.objects.filter(subtree_q(city_code, "code"), level=3).exclude(code=grid_code[:6])
                    .order_by("code").values_list("code", flat=True))
    if counties:
        county = rng.choice(counties)
        towns = list(Area.objects.filter(parent__code=county, level=4).order_by("code").values_list("code", "name"))
        villages = list(Area.objects.filter(subtree_q(county, "code"), level=5).order_by("code").values_list("code", "name"))
        if villages:
            code, name = rng.choice(villages)
            rows.append((code, name, "high", "sealed", today - dt.timedelta(days=4), None))
        if towns:
            code, name = rng.choice(towns)
            rows.append((code, name, "medium", "controlled", today - dt.timedelta(days=6), today + dt.timedelta(days=8)))
            code, name = rng.choice(towns)
            rows.append((code, name, "medium", "", today - dt.timedelta(days=40), today - dt.timedelta(days=26)))
    for code, name, level, zone, starts, lifted in rows:
        risk_services.risk_area_set(user=user, row=RiskRow(0, code, name, level, zone, starts, lifted, DEMO_SOURCE))
    return len(rows)


# --- arrivals and their orders --------------------------------------------------------------------


def _grid_persons(grid_code: str, limit: int) -> list[int]:
    """The first persons of a grid in its stored order (the index on area_code, id)."""
    return list(Person.objects.filter(subtree_q(grid_code)).order_by("area_code", "id").values_list("id", flat=True)[:limit])


def _arrival_plan(rng: random.Random, city_code: str, grid_code: str, people: int) -> list[tuple]:
    """(person id, days ago, origin code, origin name, category, role) for each arrival, the demo grid's first."""
    plan: list[tuple] = []
    taken: set[int] = set()
    own = _grid_persons(grid_code, 60)
    for (ago, code, name, category, role), pk in zip(GRID_PLAN, rng.sample(own, min(len(own), len(GRID_PLAN))), strict=False):
        plan.append((pk, ago, code, name, category, role))
        taken.add(pk)
    wanted = min(MAX_ARRIVALS, people // PERSONS_PER_ARRIVAL)
    # No area filter in these two queries: on the primary key alone they stay index lookups at 10 million rows.
    bounds = Person.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if wanted <= 0 or bounds["low"] is None:
        return plan
    origins = [(c, n, "risk_area_arrival" if lv in ("high", "medium") else "returnee") for c, n, lv, _, _ in OUTSIDE_RISK_AREAS]
    origins += [(c, n, "returnee") for c, n in NO_RISK_ORIGINS]
    span = bounds["high"] - bounds["low"]
    # Random places in the city's persons by primary key: one query for all (a demo city's keys have no gaps),
    # and a short index walk to the next person for a key that is missing or taken.
    starts = [bounds["low"] + int(rng.random() * (span + 1)) for _ in range(wanted)]
    found = dict(Person.objects.filter(pk__in=starts).values_list("pk", "area_code"))
    for start in starts:
        if start in found and start not in taken and found[start].startswith(city_code):
            pk = start
        else:
            near = Person.objects.filter(pk__gte=start).order_by("pk").values_list("pk", "area_code")[:8]
            pk = next((p for p, code in near if p not in taken and code.startswith(city_code)), None)
        if pk is None:
            continue
        taken.add(pk)
        if rng.random() < 0.15:
            origin = ("", rng.choice(ABROAD), "inbound")
        else:
            origin = rng.choices(origins, weights=[2, 3, 2, 4, 3, 3, 2, 2])[0]
        plan.append((pk, rng.randrange(ARRIVAL_DAYS), *origin, ""))
    return plan


def _draws(rng: random.Random, entry: tuple, person: Person, today: dt.date, city_name: str) -> dict:
    """The arrival_register arguments of one planned arrival (its source, transport and dates drawn here)."""
    _, ago, code, name, category, _ = entry
    sources, weights = zip(*SOURCES, strict=True)
    source = rng.choices(sources, weights=weights)[0]
    transport, prefix = rng.choice(TRANSPORT)
    number = f"{prefix}{rng.randrange(100, 9999)}" if transport != "car" else f"{prefix}{rng.randrange(10000, 99999)}"
    arrived = today - dt.timedelta(days=ago)
    return {
        "person": person, "household": person.household, "category": category, "origin_code": code, "origin_name": name,
        "arrived_on": arrived, "source": source, "route": f"{name} → {city_name}", "transport": transport,
        "transport_number": number,
        "negative_test_date": arrived - dt.timedelta(days=rng.randrange(1, 3)) if category == "returnee" else None,
        "registered_on": arrived,  # the demo's history: each arrival was taken under control the day it came
    }


def bulk_arrivals(items: list[dict], *, user, now: dt.datetime) -> list[Arrival]:
    """The rows arrival_register writes for each item (arrival routed, order from the active profile,
    measures, test days, health code), written in a few bulk statements instead of ~25 queries each.

    The same decisions are taken by the same code: risk_level_on for the origin's level,
    control's own routing (_responsible_for), the policy engine for the plan, the profile's colour
    rules for the code. tests/demo/test_control_data.py checks the rows equal the service's.
    """
    if not items:
        return []
    profile = control.active_profile()
    risk: dict[tuple, str | None] = {}
    arrivals, plans = [], []
    for item in items:
        person, household = item["person"], item["household"]
        code, name, arrived = item["origin_code"], item["origin_name"].strip(), item["arrived_on"]
        key = (code, name, arrived)
        if key not in risk:
            risk[key] = risk_level_on(on=arrived, code=code, name="" if code else name).level
        destination = household.area_code if household is not None else person.area_code
        owner = control._responsible_for(destination, household)
        arrivals.append(Arrival(
            person=person, area_code=destination, household=household, category=item["category"], origin_code=code,
            origin_name=name, origin_risk=risk[key] or "", route=item["route"], transport=item["transport"],
            transport_number=item["transport_number"], arrived_on=arrived, negative_test_date=item["negative_test_date"],
            source=item["source"], reported_by=None if item["source"] == "self" else user, reported_at=now,
            routed_to=owner, routed_at=now if owner is not None else None,
        ))
        facts = Facts(id=str(person.pk), category=item["category"], origin_risk=risk[key], arrival_date=arrived,
                      negative_test_date=item["negative_test_date"], released_from_centralized_isolation=False,
                      registered_on=item.get("registered_on") or local_today())  # as order_from_facts: today
        plan = evaluate(profile, facts)
        plans.append((facts, plan, owner or control._responsible_for(person.area_code, person.household)))
    Arrival.objects.bulk_create(arrivals, batch_size=1000)
    orders = [
        ControlOrder(
            person=a.person, area_code=a.area_code, arrival=a, category=facts.category, facts=facts.model_dump(mode="json"),
            profile_name=profile.name, profile_version=profile.version, rule_id=plan.rule_id, explanation=plan.explanation,
            checkins_per_day=plan.checkins_per_day, owner=owner, created_at=now,
            starts_on=plan.measures[0].start, ends_on=plan.measures[-1].end,
        )
        for a, (facts, plan, owner) in zip(arrivals, plans, strict=True) if plan.measures
    ]
    bulk_create_with_history(orders, ControlOrder, batch_size=1000)
    by_arrival = {id(a): plan for a, (_, plan, _) in zip(arrivals, plans, strict=True)}
    measures, tests = [], []
    for order in orders:
        plan = by_arrival[id(order.arrival)]
        measures += [OrderMeasure(order=order, seq=i, measure=m.measure, starts_on=m.start, ends_on=m.end)
                     for i, m in enumerate(plan.measures, start=1)]
        tests += [ScheduledTest(order=order, person_id=order.person_id, area_code=order.area_code, due_on=d)
                  for d in sorted({d for m in plan.measures for d in m.test_days})]
    OrderMeasure.objects.bulk_create(measures, batch_size=2000)
    ScheduledTest.objects.bulk_create(tests, batch_size=2000)
    health_codes_refresh(person_ids={o.person_id for o in orders}, now=now)
    return arrivals


def bulk_release(orders: list[ControlOrder], today: dt.date, now: dt.datetime) -> int:
    """What orders_release_due does for orders written in bulk: release those whose schedule ended with
    every test negative (none of them has an escalation). Their codes are refreshed by the caller."""
    ended = [o for o in orders if o.ends_on is not None and o.ends_on < today]
    pending = set(ScheduledTest.objects.filter(order__in=ended).exclude(
        status__in=ScheduledTest.SETTLED).values_list("order_id", flat=True))
    done = [o for o in ControlOrder.objects.filter(pk__in=[o.pk for o in ended], status__in=[
        ControlOrder.Status.ORDERED, ControlOrder.Status.IN_PROGRESS]).select_related("person") if o.pk not in pending]
    for order in done:
        order.status, order.closed_at, order.closing_reason = ControlOrder.Status.RELEASED, now, "schedule complete"
    bulk_update_with_history(done, ControlOrder, ["status", "closed_at", "closing_reason"], batch_size=1000)
    return len(done)


def _first_test(arrival: Arrival | None) -> set[int]:
    """The first test of an arrival's order, left without a result (so it is missed and escalated)."""
    order = arrival.orders.first() if arrival is not None else None
    if order is None:
        return set()
    first = order.tests.order_by("due_on").first()
    return {first.pk} if first is not None else set()


def _past_results(orders: list[ControlOrder], today: dt.date, keep_due: set[int]) -> int:
    """Negative results for the tests due before today, entered in the afternoon of their day."""
    due = (ScheduledTest.objects.filter(order__in=orders, due_on__lt=today, status=ScheduledTest.Status.DUE)
           .exclude(pk__in=keep_due))
    written = 0
    for day in sorted(set(due.values_list("due_on", flat=True))):
        at = dt.datetime.combine(day, dt.time(16, 30), tzinfo=SHANGHAI)
        written += due.filter(due_on=day).update(status=ScheduledTest.Status.NEGATIVE, result_at=at)
    return written


def _past_checkins(rng: random.Random, orders: list[ControlOrder], today: dt.date, now: dt.datetime) -> int:
    """One normal check-in per past day of each order, in the evening; today's too once the evening's is old.

    Nothing here is a fever, so nothing escalates (as checkin_record would decide); orders with
    check-ins are in progress, as checkin_record leaves them.
    """
    rows: list[CheckIn] = []
    started: list[int] = []
    for order in orders:
        if order.starts_on is None or order.starts_on >= today:
            continue
        day, last = order.starts_on, min(order.ends_on, today - dt.timedelta(days=1))
        latest = None
        while day <= last:
            latest = dt.datetime.combine(day, dt.time(17 + rng.randrange(3), rng.randrange(60)), tzinfo=SHANGHAI)
            rows.append(_normal_checkin(rng, order, latest))
            day += dt.timedelta(days=1)
        if latest is not None and order.ends_on >= today and now - latest > dt.timedelta(hours=20):
            rows.append(_normal_checkin(rng, order, now - dt.timedelta(minutes=rng.randrange(30, 120))))
        started.append(order.pk)
    CheckIn.objects.bulk_create(rows, batch_size=2000)
    ControlOrder.objects.filter(pk__in=started, status=ControlOrder.Status.ORDERED).update(status=ControlOrder.Status.IN_PROGRESS)
    return len(rows)


def _normal_checkin(rng: random.Random, order: ControlOrder, at: dt.datetime) -> CheckIn:
    return CheckIn(order=order, person_id=order.person_id, area_code=order.area_code, at=at,
                   temperature=Decimal(f"36.{rng.randrange(1, 10)}"), symptoms=[], by=rng.choice(["worker", "self"]))


# --- gatherings -----------------------------------------------------------------------------------


def _gatherings(rng: random.Random, users: dict, grid_code: str, today: dt.date) -> int:
    """Applications around the demo grid: in its village, its township and its county, pending and decided."""
    grid, township, district, city = (users.get(n) for n in ("demo-grid", "demo-township", "demo-district", "demo-city"))
    if None in (grid, township, district, city):
        return 0
    nodes = {a.code: a for a in Area.objects.filter(code__in=[grid_code[:n] for n in (6, 9, 12, 15)])}
    own, village, town, county = (nodes.get(grid_code[:n]) for n in (15, 12, 9, 6))
    if None in (own, village, town, county):
        return 0
    # (applicant, area, kind, in so many days, hour, hours long, people, decision, decider): the grid worker
    # applies for their grid, the township for its village and itself, the district for the county.
    plan = (
        (grid, own, "wedding", 3, 11, 4, 160, "", None),
        (grid, own, "funeral", 1, 8, 6, 90, "approve", township),
        (grid, own, "promotion", 5, 10, 8, 120, "reject", township),
        (township, village, "folk", 10, 9, 9, 600, "approve", district),
        (township, town, "conference", 4, 14, 3, 80, "", None),
        (township, town, "performance", 6, 19, 3, 300, "approve", district),
        (district, county, "exhibition", 12, 9, 56, 2000, "approve", city),
    )
    made = 0
    for applicant, area, kind, days, hour, hours, attendance, decision, decider in plan:
        start = dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour), tzinfo=SHANGHAI)
        g = gatherings_services.gathering_submit(
            by=applicant, area=area, title=f"{area.name}{GATHERING_KINDS_TITLES[kind]}", kind=kind,
            organiser=f"{area.name}{rng.choice(['村委会', '居委会', '文化站', '商会'])}" if kind != "wedding" else f"{rng.choice('王李张刘陈杨')}家",
            contact_name=f"{rng.choice('王李张刘陈杨赵黄周吴')}{rng.choice(['伟', '芳', '娜', '敏', '静', '强', '磊', '军'])}",
            contact_phone=f"139{rng.randrange(10**8):08d}", venue=f"{area.name}{rng.choice(['文化广场', '礼堂', '会议室', '活动中心'])}",
            starts_at=start, ends_at=start + dt.timedelta(hours=hours), expected_attendance=attendance,
            plan_text="入口设验码测温点，全程佩戴口罩，来宾实名登记，保持一米间距，设防疫专员一名。",
            measures=["scan_codes", "temperature", "masks", "distancing", "registration", "prevention_officer"][: rng.randrange(3, 7)],
        )
        if decision == "approve":
            gatherings_services.gathering_approve(by=decider, gathering=g, reason="方案可行，按方案落实")
        elif decision == "reject":
            gatherings_services.gathering_reject(by=decider, gathering=g, reason="促销活动人员流动大，疫情期间暂缓举办")
        made += 1
    return made
