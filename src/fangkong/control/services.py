"""Writes for key-population control: risk areas, arrivals, control orders, check-ins, results, health codes."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from fangkong.areas.models import Responsible
from fangkong.core.clock import today as local_today
from fangkong.core.masking import mask_name
from fangkong.core.roles import Role
from fangkong.core.scoping import in_scope, require_in_scope
from fangkong.people.models import Household, Person
from fangkong.policy.engine import Facts, FactsInvalid, Plan, evaluate
from fangkong.policy.health import colour_for
from fangkong.policy.profile import Profile, load_profile

from .models import (
    ActiveProfile,
    Arrival,
    CheckIn,
    ControlOrder,
    Escalation,
    HealthCode,
    OrderMeasure,
    RiskArea,
    ScheduledTest,
    Verification,
)
from .risk_rows import RiskRow, RowError, parse_row
from .selectors import risk_level_on

# Risk areas are announced by the command headquarters and the CDC, not by grid workers.
RISK_AREA_EDITORS = frozenset({Role.CITY_COMMAND, Role.DISTRICT, Role.CDC})


class NotAllowed(Exception):
    pass


@dataclass
class RiskImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": len(self.rejected), "errors": self.rejected}


def _require_editor(user) -> None:
    if not (getattr(user, "is_superuser", False) or getattr(user, "role", None) in RISK_AREA_EDITORS):
        raise NotAllowed("only city command, district and CDC users may change the risk-area list")


def _upsert(row: RiskRow, user) -> str:
    existing = RiskArea.objects.filter(
        division_code=row.division_code, region_name=row.region_name, starts_on=row.starts_on
    ).first()
    values = {"level": row.level, "zone": row.zone, "lifted_on": row.lifted_on, "source": row.source}
    if existing is None:
        RiskArea.objects.create(division_code=row.division_code, region_name=row.region_name,
                                starts_on=row.starts_on, created_by=user, **values)
        return "created"
    if all(getattr(existing, k) == v for k, v in values.items()):
        return "unchanged"
    for key, value in values.items():
        setattr(existing, key, value)
    existing.save()
    return "updated"


def risk_areas_import(*, user, text: str) -> RiskImportResult:
    """Import the list pushed by the upper level. Idempotent: keyed on (code, name, start date)."""
    _require_editor(user)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"level", "start_date"} - set(reader.fieldnames or [])
    if missing or not ({"code", "name"} & set(reader.fieldnames or [])):
        raise RowError("header", "columns are code,name,level,zone,start_date,lift_date,source")
    result = RiskImportResult()
    with transaction.atomic():
        for number, rec in enumerate(reader, start=2):
            try:
                row = parse_row(number, rec)
            except RowError as exc:
                result.rejected.append({"row": number, "column": exc.column, "reason": exc.reason})
                continue
            outcome = _upsert(row, user)
            setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def risk_area_set(*, user, row: RiskRow) -> RiskArea:
    _require_editor(user)
    with transaction.atomic():
        _upsert(row, user)
    return RiskArea.objects.get(division_code=row.division_code, region_name=row.region_name, starts_on=row.starts_on)


def risk_area_lift(*, user, risk_area: RiskArea, lifted_on) -> RiskArea:
    _require_editor(user)
    if lifted_on <= risk_area.starts_on:
        raise RowError("lifted_on", "must be after the start date")
    with transaction.atomic():
        risk_area.lifted_on = lifted_on
        risk_area.save(update_fields=["lifted_on"])
    return risk_area


# ---------------------------------------------------------------------------
# Policy in force, arrivals, control orders, check-ins, test results, health codes
# ---------------------------------------------------------------------------





ARRIVAL_CATEGORIES = ("inbound", "risk_area_arrival", "returnee")
KNOWN_SYMPTOMS = ("fever", "cough", "sore_throat", "fatigue", "loss_of_smell", "diarrhoea", "short_breath")


class InvalidInput(ValueError):
    """Bad input for a control service: `errors` maps each field to its reason."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def active_profile() -> Profile:
    current = ActiveProfile.objects.order_by("-activated_at").first()
    return load_profile(current.name if current else settings.FANGKONG_DEFAULT_PROFILE)


def _responsible_for(area_code: str, household: Household | None) -> Responsible | None:
    """Who takes up work at a destination: the grid's worker, else the household's cadre, else the nearest above."""
    prefixes = [area_code[:n] for n in (18, 15, 12, 9, 6) if n <= len(area_code)]
    candidates = {
        r.area_code: r
        for r in Responsible.objects.filter(area_code__in=prefixes, active=True, tier__in=[
            Responsible.Tier.GRID_WORKER, Responsible.Tier.VILLAGE_CADRE, Responsible.Tier.TOWNSHIP_CADRE,
        ]).order_by("tier", "pk")
    }
    if household is not None and household.responsible_id and len(area_code) < 15:
        return household.responsible
    for prefix in prefixes:
        if prefix in candidates:
            return candidates[prefix]
    return household.responsible if household is not None else None


def _check_dates(errors: dict[str, str], *, arrived_on: dt.date | None, negative_test_date: dt.date | None) -> None:
    today = local_today()
    if arrived_on and arrived_on > today:
        errors["arrived_on"] = "the arrival date is in the future"
    if negative_test_date and negative_test_date > today:
        errors["negative_test_date"] = "the test date is in the future"


def arrival_register(
    *,
    by,
    person: Person,
    category: str,
    origin_name: str,
    arrived_on: dt.date,
    source: str,
    origin_code: str = "",
    household: Household | None = None,
    route: str = "",
    transport: str = "other",
    transport_number: str = "",
    negative_test_date: dt.date | None = None,
    released_from_centralized_isolation: bool = False,
) -> Arrival:
    """Record an arrival, route it to the responsible grid worker, and put the person under the plan in force.

    `by` is the reporting user, or None for the public self-declaration page.
    """
    errors: dict[str, str] = {}
    if category not in ARRIVAL_CATEGORIES:
        errors["category"] = f"must be one of {', '.join(ARRIVAL_CATEGORIES)}"
    if not origin_name.strip():
        errors["origin_name"] = "required"
    if origin_code and not origin_code.isdigit():
        errors["origin_code"] = "a division code has digits only"
    _check_dates(errors, arrived_on=arrived_on, negative_test_date=negative_test_date)
    destination = household.area_code if household is not None else person.area_code
    if by is not None and not in_scope(by, destination):
        errors["destination"] = "outside your area"
    if errors:
        raise InvalidInput(errors)
    risk = risk_level_on(on=arrived_on, code=origin_code, name="" if origin_code else origin_name).level
    with transaction.atomic():
        arrival = Arrival.objects.create(
            person=person, area_code=destination, household=household, category=category, origin_code=origin_code,
            origin_name=origin_name.strip(), origin_risk=risk or "", route=route, transport=transport,
            transport_number=transport_number, arrived_on=arrived_on, negative_test_date=negative_test_date,
            released_from_centralized_isolation=released_from_centralized_isolation, source=source, reported_by=by,
        )
        owner = _responsible_for(destination, household)
        if owner is not None:
            arrival.routed_to, arrival.routed_at = owner, timezone.now()
            arrival.save(update_fields=["routed_to", "routed_at"])
        facts = Facts(
            id=str(person.pk), category=category, origin_risk=risk, arrival_date=arrived_on,
            negative_test_date=negative_test_date, released_from_centralized_isolation=released_from_centralized_isolation,
        )
        order_from_facts(person=person, facts=facts, arrival=arrival, owner=owner)
    return arrival


def order_from_facts(*, person: Person, facts: Facts, arrival: Arrival | None = None, owner: Responsible | None = None,
                     profile: Profile | None = None) -> ControlOrder | None:
    """Derive the plan and store it as an order with its measures and test days. None when no measure applies."""
    profile = profile or active_profile()
    try:
        plan = evaluate(profile, facts)
    except FactsInvalid as exc:
        raise InvalidInput({"facts": "; ".join(exc.problems)}) from exc
    if not plan.measures:
        return None
    with transaction.atomic():
        order = ControlOrder.objects.create(
            person=person, area_code=person.area_code if arrival is None else arrival.area_code, arrival=arrival,
            category=facts.category, facts=facts.model_dump(mode="json"), profile_name=profile.name,
            profile_version=profile.version, rule_id=plan.rule_id, explanation=plan.explanation,
            checkins_per_day=plan.checkins_per_day, owner=owner or _responsible_for(person.area_code, person.household),
        )
        _write_schedule(order, plan)
        transaction.on_commit(lambda: health_code_refresh(person=person))
    return order


def _write_schedule(order: ControlOrder, plan: Plan) -> None:
    OrderMeasure.objects.bulk_create([
        OrderMeasure(order=order, seq=i, measure=m.measure, starts_on=m.start, ends_on=m.end)
        for i, m in enumerate(plan.measures, start=1)
    ])
    days = sorted({d for m in plan.measures for d in m.test_days})
    ScheduledTest.objects.bulk_create([
        ScheduledTest(order=order, person_id=order.person_id, area_code=order.area_code, due_on=d) for d in days
    ])
    order.starts_on, order.ends_on = plan.measures[0].start, plan.measures[-1].end
    order.save(update_fields=["starts_on", "ends_on"])


def _require_order_access(user, order: ControlOrder) -> None:
    """System jobs (user None) act everywhere; a user only in their subtree."""
    if user is not None:
        require_in_scope(user, order.area_code)


def checkin_record(*, by, order: ControlOrder, temperature, symptoms: list[str] | None = None, note: str = "",
                   self_reported: bool = False) -> CheckIn:
    """A daily check-in. Fever or symptoms escalate at once to the responsibility chain."""
    _require_order_access(by, order)
    errors: dict[str, str] = {}
    try:
        temp = Decimal(str(temperature)).quantize(Decimal("0.1"))
    except ArithmeticError:
        errors["temperature"] = "not a number"
        temp = Decimal(0)
    else:
        if not Decimal("34.0") <= temp <= Decimal("43.0"):
            errors["temperature"] = f"{temp} °C is not a body temperature (34–43 °C)"
    symptoms = list(symptoms or [])
    unknown = [s for s in symptoms if s not in KNOWN_SYMPTOMS]
    if unknown:
        errors["symptoms"] = f"unknown symptom(s) {', '.join(unknown)}; known: {', '.join(KNOWN_SYMPTOMS)}"
    if not order.is_open:
        errors["order"] = f"the order is {order.status}; check-ins are for open orders"
    if errors:
        raise InvalidInput(errors)
    profile = active_profile()
    with transaction.atomic():
        checkin = CheckIn.objects.create(
            order=order, person_id=order.person_id, area_code=order.area_code, temperature=temp, symptoms=symptoms,
            note=note[:200], by=CheckIn.By.SELF if self_reported else CheckIn.By.WORKER,
            entered_by=by if getattr(by, "pk", None) else None,
        )
        if order.status == ControlOrder.Status.ORDERED:
            order.status = ControlOrder.Status.IN_PROGRESS
            order.save(update_fields=["status"])
        if temp >= Decimal(str(profile.escalation.fever_celsius)) or symptoms:
            detail = f"{temp} °C" + (f", {', '.join(symptoms)}" if symptoms else "")
            _escalate(order, Escalation.Kind.FEVER, detail, level=1)
    return checkin


def _escalate(order: ControlOrder, kind: str, detail: str, *, level: int) -> Escalation:
    escalation = Escalation.objects.create(
        order=order, person_id=order.person_id, area_code=order.area_code, kind=kind, detail=detail[:300], level=level,
    )
    if order.status in (ControlOrder.Status.ORDERED, ControlOrder.Status.IN_PROGRESS):
        order.status = ControlOrder.Status.ESCALATED
        order.save(update_fields=["status"])
    return escalation


def test_result_record(*, by, test: ScheduledTest, positive: bool, at: dt.datetime | None = None) -> ScheduledTest:
    """A result for a scheduled test. A positive escalates and turns the code red; a negative may complete the order."""
    _require_order_access(by, test.order)
    with transaction.atomic():
        test.status = ScheduledTest.Status.POSITIVE if positive else ScheduledTest.Status.NEGATIVE
        test.result_at = at or timezone.now()
        test.save(update_fields=["status", "result_at"])
        if positive:
            _escalate(test.order, Escalation.Kind.POSITIVE, f"positive test due {test.due_on}", level=3)
        person = test.order.person
        transaction.on_commit(lambda: health_code_refresh(person=person))
    return test


def order_release(*, by, order: ControlOrder, on: dt.date | None = None) -> ControlOrder:
    """Release when the schedule is complete and every test is negative; otherwise say what is missing."""
    _require_order_access(by, order)
    on = on or local_today()
    problems = {}
    if order.ends_on and on < order.ends_on:
        problems["ends_on"] = f"the order runs until {order.ends_on}"
    pending = order.tests.exclude(status__in=[ScheduledTest.Status.NEGATIVE, ScheduledTest.Status.CANCELLED]).count()
    if pending:
        problems["tests"] = f"{pending} test(s) without a negative result"
    if order.escalations.filter(resolved_at__isnull=True).exists():
        problems["escalations"] = "open escalations must be resolved first"
    if not order.is_open:
        problems["status"] = f"the order is {order.status}"
    if problems:
        raise InvalidInput(problems)
    with transaction.atomic():
        order.status, order.closed_at, order.closing_reason = ControlOrder.Status.RELEASED, timezone.now(), "schedule complete"
        order.save(update_fields=["status", "closed_at", "closing_reason"])
        person = order.person
        transaction.on_commit(lambda: health_code_refresh(person=person))
    return order


def orders_release_due(*, on: dt.date | None = None) -> int:
    """Release every open order whose schedule ended with all tests negative and nothing escalated."""
    on = on or local_today()
    released = 0
    due = ControlOrder.objects.filter(status__in=[ControlOrder.Status.ORDERED, ControlOrder.Status.IN_PROGRESS], ends_on__lt=on)
    for order in due.iterator():
        try:
            order_release(by=None, order=order, on=on)
        except InvalidInput:
            continue
        released += 1
    return released


def person_statuses(person: Person, *, now: dt.datetime | None = None) -> set[str]:
    """What the profile's colour rules look at: open orders' categories, positives, overdue tests."""
    now = now or timezone.now()
    statuses = set(ControlOrder.objects.filter(person=person, status__in=ControlOrder.OPEN).values_list("category", flat=True))
    tests = ScheduledTest.objects.filter(person=person)
    if tests.filter(status=ScheduledTest.Status.POSITIVE, order__status__in=ControlOrder.OPEN).exists():
        statuses.add("confirmed")
    profile = active_profile()
    overdue_before = (now - dt.timedelta(hours=profile.escalation.missed_test_grace_hours)).astimezone(
        timezone.get_default_timezone()).date()
    if tests.filter(Q(status=ScheduledTest.Status.DUE) | Q(status=ScheduledTest.Status.MISSED),
                    order__status__in=ControlOrder.OPEN, due_on__lt=overdue_before).exists():
        statuses.add("overdue_test")
    return statuses


def health_code_refresh(*, person: Person) -> HealthCode:
    """Recompute one person's colour now (called on every event that affects it)."""
    colour = colour_for(active_profile(), person_statuses(person))
    code, _ = HealthCode.objects.get_or_create(person=person, defaults={"area_code": person.area_code})
    if code.colour != colour.colour or code.reasons != list(colour.reasons):
        code.colour, code.reasons, code.updated_at = colour.colour, list(colour.reasons), timezone.now()
        code.save(update_fields=["colour", "reasons", "updated_at"])
    return code


def _chain_level(profile: Profile, hours_overdue: float) -> int:
    """1 = village cadre, 2 = township, 3 = county, by the profile's chain_hours thresholds."""
    return max(1, sum(1 for threshold in profile.escalation.chain_hours if hours_overdue >= threshold))


def overdue_scan(*, now: dt.datetime | None = None) -> dict:
    """Mark missed tests and check-ins, raise or lift escalations up the chain, refresh affected colours.

    Idempotent: run it as often as you like (the worker runs it every few minutes).
    """
    now = now or timezone.now()
    profile = active_profile()
    tz = timezone.get_default_timezone()
    grace = dt.timedelta(hours=profile.escalation.missed_test_grace_hours)
    counts = {"missed_tests": 0, "missed_checkins": 0, "raised": 0}
    touched: set[int] = set()
    with transaction.atomic():
        # Tests: a test due on D is missed once the end of D plus the grace period has passed.
        cutoff_day = (now - grace).astimezone(tz).date()
        late = ScheduledTest.objects.filter(
            status__in=[ScheduledTest.Status.DUE, ScheduledTest.Status.MISSED], due_on__lt=cutoff_day,
            order__status__in=ControlOrder.OPEN,
        ).select_related("order")
        open_by_test = {
            e.scheduled_test_id: e for e in Escalation.objects.filter(
                kind=Escalation.Kind.MISSED_TEST, resolved_at__isnull=True, scheduled_test__in=late)
        }
        for test in late:
            deadline = dt.datetime.combine(test.due_on + dt.timedelta(days=1), dt.time(), tzinfo=tz) + grace
            level = _chain_level(profile, (now - deadline).total_seconds() / 3600)
            if test.status == ScheduledTest.Status.DUE:
                test.status = ScheduledTest.Status.MISSED
                test.save(update_fields=["status"])
                counts["missed_tests"] += 1
            existing = open_by_test.get(test.pk)
            if existing is None:
                escalation = _escalate(test.order, Escalation.Kind.MISSED_TEST, f"test due {test.due_on} has no result", level=level)
                escalation.scheduled_test = test
                escalation.save(update_fields=["scheduled_test"])
                counts["raised"] += 1
            elif existing.level < level:
                existing.level = level
                existing.save(update_fields=["level"])
                counts["raised"] += 1
            touched.add(test.person_id)
        # Check-ins: an order in force whose last check-in (or start) is older than the allowed gap.
        gap = dt.timedelta(hours=profile.escalation.missed_checkin_hours)
        today = now.astimezone(tz).date()
        in_force = ControlOrder.objects.filter(status__in=ControlOrder.OPEN, starts_on__lte=today, ends_on__gte=today)
        last_checkin = dict(
            CheckIn.objects.filter(order__in=in_force).values("order_id").annotate(last=models.Max("at")).values_list("order_id", "last")
        )
        open_missed = {
            e.order_id: e for e in Escalation.objects.filter(kind=Escalation.Kind.MISSED_CHECKIN, resolved_at__isnull=True, order__in=in_force)
        }
        for order in in_force.only("pk", "person_id", "area_code", "starts_on", "status"):
            since = last_checkin.get(order.pk) or dt.datetime.combine(order.starts_on, dt.time(), tzinfo=tz)
            overdue = now - since - gap
            existing = open_missed.get(order.pk)
            if overdue < dt.timedelta(0):
                if existing is not None:  # a check-in came in: the escalation is over
                    existing.resolved_at = now
                    existing.save(update_fields=["resolved_at"])
                continue
            level = _chain_level(profile, overdue.total_seconds() / 3600)
            if existing is None:
                _escalate(order, Escalation.Kind.MISSED_CHECKIN, f"no check-in since {since.astimezone(tz):%Y-%m-%d %H:%M}", level=level)
                counts["missed_checkins"] += 1
                counts["raised"] += 1
            elif existing.level < level:
                existing.level = level
                existing.save(update_fields=["level"])
                counts["raised"] += 1
    for person in Person.objects.filter(pk__in=touched):
        health_code_refresh(person=person)
    return counts


def escalation_resolve(*, by, escalation: Escalation, note: str = "") -> Escalation:
    require_in_scope(by, escalation.area_code)
    with transaction.atomic():
        escalation.resolved_at, escalation.resolved_by = timezone.now(), by
        escalation.save(update_fields=["resolved_at", "resolved_by"])
        order = escalation.order
        if order is not None and order.status == ControlOrder.Status.ESCALATED and not order.escalations.filter(resolved_at__isnull=True).exists():
            order.status = ControlOrder.Status.IN_PROGRESS
            order.save(update_fields=["status"])
    return escalation


@dataclass
class OrderChange:
    order_id: int
    person_id: int
    before: list[dict]
    after: list[dict]
    rule_before: str
    rule_after: str


class OrderChanges(list):
    """The open orders a profile switch changes: `total` of them, with details for the first ones kept."""

    total: int = 0


SWITCH_CHUNK = 5000  # open orders read (and re-derived) per round
_SQL_BATCH = 900  # ids per statement: under SQLite's limit of bound parameters with room to spare


def _batches(items: list, size: int = _SQL_BATCH):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _schedule_key(measures: list[tuple], tests: list[tuple]) -> tuple:
    """An order's schedule, comparable with a plan's: measures with their (not cancelled) test days."""
    days = {due for _, due, status in tests if status != ScheduledTest.Status.CANCELLED}
    return tuple((measure, start, end, tuple(sorted(d for d in days if start <= d <= end)))
                 for measure, start, end in measures)


def _schedule_dicts(key: tuple) -> list[dict]:
    """A schedule key as the plan's as_dict() shows it (for the changes shown to the user)."""
    return [{"measure": measure, "start": start.isoformat(), "end": end.isoformat(),
             "test_days": [d.isoformat() for d in days]} for measure, start, end, days in key]


@dataclass(frozen=True)
class _Derived:
    plan: Plan
    key: tuple
    test_days: frozenset


def profile_switch(
    *, by, name: str, apply: bool, details: int | None = None, chunk: int = SWITCH_CHUNK,
) -> tuple[OrderChanges, ActiveProfile | None]:
    """Switch the profile in force. Dry run (apply=False): every open order whose plan would change.

    Applying re-derives those orders from their stored facts: measures replaced, due tests
    outside the new plan cancelled, new test days added; tests with results are kept; each
    changed order gets a history row. All of it, the switch's record and the changed persons'
    health codes happen in one transaction: a failure leaves the old profile and orders in force.

    Set-based: orders are read a chunk at a time with their measures and tests (three queries),
    a plan is derived once per distinct set of facts, and the writes are bulk statements.
    `details` keeps the before/after of at most that many changes (all by default); `total` counts all.
    """
    if not (getattr(by, "is_superuser", False) or getattr(by, "role", None) == Role.CITY_COMMAND):
        raise NotAllowed("only the city command may switch the policy profile")
    profile = load_profile(name)
    changes = OrderChanges()
    derived: dict[tuple, _Derived] = {}
    persons: set[int] = set()
    now = timezone.now()
    with transaction.atomic():
        last_pk = 0
        while True:
            orders = list(
                ControlOrder.objects.filter(status__in=ControlOrder.OPEN, pk__gt=last_pk).order_by("pk")
                .values_list("pk", "person_id", "area_code", "facts", "rule_id")[:chunk]
            )
            if not orders:
                break
            first_pk, last_pk = orders[0][0], orders[-1][0]
            measures: dict[int, list[tuple]] = {}
            for order_id, measure, start, end in (
                OrderMeasure.objects.filter(order_id__gte=first_pk, order_id__lte=last_pk).order_by("order_id", "seq")
                .values_list("order_id", "measure", "starts_on", "ends_on")
            ):
                measures.setdefault(order_id, []).append((measure, start, end))
            tests: dict[int, list[tuple]] = {}
            for pk, order_id, due, status in (
                ScheduledTest.objects.filter(order_id__gte=first_pk, order_id__lte=last_pk)
                .values_list("pk", "order_id", "due_on", "status")
            ):
                tests.setdefault(order_id, []).append((pk, due, status))
            work = []
            for pk, person_id, area_code, facts, rule_id in orders:
                key = tuple(sorted((k, v) for k, v in facts.items() if k != "id"))
                d = derived.get(key)
                if d is None:
                    plan = evaluate(profile, Facts.model_validate(facts))
                    d = derived[key] = _Derived(
                        plan, tuple((m.measure, m.start, m.end, m.test_days) for m in plan.measures),
                        frozenset(day for m in plan.measures for day in m.test_days))
                before = _schedule_key(measures.get(pk, []), tests.get(pk, []))
                if d.key == before and d.plan.rule_id == rule_id:
                    continue
                changes.total += 1
                if details is None or len(changes) < details:
                    changes.append(OrderChange(pk, person_id, _schedule_dicts(before), _schedule_dicts(d.key), rule_id,
                                               d.plan.rule_id))
                if apply:
                    work.append((pk, person_id, area_code, d, tests.get(pk, [])))
                    persons.add(person_id)
            if work:
                _rederive_many(work, profile, by=by, now=now)
        record = None
        if apply:
            record = ActiveProfile.objects.create(name=profile.name, version=profile.version, activated_by=by,
                                                  changed_orders=changes.total)
            health_codes_refresh(person_ids=persons, now=now)
    return changes, record


def _rederive_many(work: list[tuple], profile: Profile, *, by, now: dt.datetime) -> None:
    """Re-derive orders in bulk: (order pk, person id, area code, derived plan, its tests as (pk, day, status))."""
    ids = [w[0] for w in work]
    for batch in _batches(ids):
        OrderMeasure.objects.filter(order_id__in=batch).delete()
    cancel, revive, create, measures = [], [], [], []
    groups: dict[tuple, list[int]] = {}
    due, cancelled = ScheduledTest.Status.DUE, ScheduledTest.Status.CANCELLED
    for pk, person_id, area_code, d, tests in work:
        for test_pk, day, status in tests:
            if status == due and day not in d.test_days:
                cancel.append(test_pk)
            elif status == cancelled and day in d.test_days:
                revive.append(test_pk)
        existing = {day for _, day, _ in tests}
        create += [(pk, person_id, area_code, day, due) for day in sorted(d.test_days - existing)]
        measures += [(pk, i, m.measure, m.start, m.end) for i, m in enumerate(d.plan.measures, start=1)]
        groups.setdefault(_order_values(d.plan, profile), []).append(pk)
    for status, pks in ((cancelled, cancel), (due, revive)):
        for batch in _batches(pks):
            ScheduledTest.objects.filter(pk__in=batch).update(status=status)
    # Plain rows, one prepared INSERT each (psycopg pipelines them): no model instance per row.
    _insert_rows(ScheduledTest, ["order_id", "person_id", "area_code", "due_on", "status"], create)
    _insert_rows(OrderMeasure, ["order_id", "seq", "measure", "starts_on", "ends_on"], measures)
    for values, pks in groups.items():
        fields = dict(values)
        if fields.get("status") == ControlOrder.Status.CANCELLED:
            fields["closed_at"] = now
        for batch in _batches(pks):
            ControlOrder.objects.filter(pk__in=batch).update(**fields)
    reason = f"profile switch to {profile.name} v{profile.version}"
    for batch in _batches(ids):
        _history_of_orders(batch, by=by, at=now, reason=reason)


def _insert_rows(model: type[models.Model], columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(c) for c in columns]
    names = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608 - model table, columns
    # Dates through the backend's adapter (SQLite stores text), like the ORM would.
    adapt = [connection.ops.adapt_datefield_value if isinstance(f, models.DateField) else None for f in fields]
    if any(adapt):
        rows = [tuple(fn(v) if fn else v for fn, v in zip(adapt, row, strict=True)) for row in rows]
    with connection.cursor() as cur:
        for batch in _batches(rows, 5000):
            cur.executemany(sql, batch)


def _order_values(plan: Plan, profile: Profile) -> tuple:
    """The columns of a re-derived order, as a hashable group key (orders with the same ones share an UPDATE)."""
    values = [("profile_name", profile.name), ("profile_version", profile.version), ("rule_id", plan.rule_id),
              ("explanation", plan.explanation), ("checkins_per_day", plan.checkins_per_day)]
    if plan.measures:
        values += [("starts_on", plan.measures[0].start), ("ends_on", plan.measures[-1].end)]
    else:
        values += [("status", ControlOrder.Status.CANCELLED), ("closing_reason", f"no measure under {profile.name}")]
    return tuple(values)


def _history_of_orders(pks: list[int], *, by, at: dt.datetime, reason: str) -> None:
    """One history row per order as it is now ("~", changed), written by the database from the order rows.

    The same row django-simple-history writes on save(), made with one INSERT … SELECT instead of one
    INSERT per order. A history column this code does not know stops it, rather than being left empty.
    """
    history = ControlOrder.history.model
    quote = connection.ops.quote_name
    order_columns = {f.attname for f in ControlOrder._meta.concrete_fields}
    given = {"history_date": at, "history_type": "~", "history_user_id": getattr(by, "pk", None),
             "history_change_reason": reason[:100]}
    columns, selects, params = [], [], []
    for f in history._meta.concrete_fields:
        if f.attname == "history_id":
            continue
        columns.append(quote(f.column))
        if f.attname in order_columns:
            selects.append(quote(ControlOrder._meta.get_field(f.attname).column))
        elif f.attname in given:
            selects.append("%s")
            params.append(given[f.attname])
        else:
            raise RuntimeError(f"history column {f.attname} has no value in a profile switch")
    marks = ", ".join(["%s"] * len(pks))
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608 - model tables and columns
        f"SELECT {', '.join(selects)} FROM {quote(ControlOrder._meta.db_table)} WHERE id IN ({marks})"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*params, *pks])


def verification_record(*, by, device: str, code: HealthCode | None) -> dict | None:
    """Log a scan and answer what a scanner may know: colour, masked name, time."""
    now = timezone.now()
    Verification.objects.create(person=code.person if code else None, device=device[:64], colour=code.colour if code else "",
                                verified_by=by if getattr(by, "pk", None) else None, at=now)
    if code is None:
        return None
    return {"colour": code.colour, "name": mask_name(code.person.name), "at": now}


# ---------------------------------------------------------------------------
# Health codes of many persons at once (profile switch, bulk work)
# ---------------------------------------------------------------------------


def health_codes_refresh(*, person_ids, now: dt.datetime | None = None) -> int:
    """health_code_refresh for many persons with a few grouped queries per batch; how many codes changed.

    Same statuses and colours as the one-person version (open orders' categories, a positive
    test of an open order, a test overdue past the grace period), and a code is created for a
    person who has none.
    """
    now = now or timezone.now()
    profile = active_profile()
    overdue_before = (now - dt.timedelta(hours=profile.escalation.missed_test_grace_hours)).astimezone(
        timezone.get_default_timezone()).date()
    colours: dict[frozenset, tuple[str, list[str]]] = {}
    changed = 0
    for batch in _batches(sorted(person_ids)):
        statuses: dict[int, set[str]] = {pk: set() for pk in batch}
        open_orders = ControlOrder.objects.filter(person_id__in=batch, status__in=ControlOrder.OPEN)
        for person_id, category in open_orders.values_list("person_id", "category").distinct():
            statuses[person_id].add(category)
        tests = ScheduledTest.objects.filter(person_id__in=batch, order__status__in=ControlOrder.OPEN)
        for person_id in tests.filter(status=ScheduledTest.Status.POSITIVE).values_list("person_id", flat=True).distinct():
            statuses[person_id].add("confirmed")
        overdue = tests.filter(status__in=[ScheduledTest.Status.DUE, ScheduledTest.Status.MISSED], due_on__lt=overdue_before)
        for person_id in overdue.values_list("person_id", flat=True).distinct():
            statuses[person_id].add("overdue_test")
        codes = {person_id: (pk, colour, reasons) for pk, person_id, colour, reasons in
                 HealthCode.objects.filter(person_id__in=batch).values_list("pk", "person_id", "colour", "reasons")}
        updates: dict[tuple, list[int]] = {}
        missing = []
        for person_id, found in statuses.items():
            key = frozenset(found)
            if key not in colours:
                c = colour_for(profile, set(found))
                colours[key] = (c.colour, list(c.reasons))
            colour, reasons = colours[key]
            if person_id not in codes:
                missing.append((person_id, colour, reasons))
            elif codes[person_id][1:] != (colour, reasons):
                updates.setdefault((colour, tuple(reasons)), []).append(codes[person_id][0])
        if missing:
            areas = dict(Person.objects.filter(pk__in=[m[0] for m in missing]).values_list("pk", "area_code"))
            HealthCode.objects.bulk_create([
                HealthCode(person_id=pk, area_code=areas[pk], colour=colour, reasons=reasons, updated_at=now)
                for pk, colour, reasons in missing
            ])
        for (colour, reasons), pks in updates.items():
            HealthCode.objects.filter(pk__in=pks).update(colour=colour, reasons=list(reasons), updated_at=now)
            changed += len(pks)
        changed += len(missing)
    return changed
