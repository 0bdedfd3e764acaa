"""Writes for key-population control: risk areas, arrivals, control orders, check-ins, results, health codes."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import models, transaction
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


def _schedule_of(order: ControlOrder) -> list[dict]:
    tests_by_day = {t.due_on for t in order.tests.all() if t.status != ScheduledTest.Status.CANCELLED}
    return [
        {"measure": m.measure, "start": m.starts_on.isoformat(), "end": m.ends_on.isoformat(),
         "test_days": sorted(d.isoformat() for d in tests_by_day if m.starts_on <= d <= m.ends_on)}
        for m in order.measures.all()
    ]


def profile_switch(*, by, name: str, apply: bool, chunk: int = 2000) -> tuple[list[OrderChange], ActiveProfile | None]:
    """Switch the profile in force. Dry run (apply=False): every open order whose plan would change.

    Applying re-derives those orders from their stored facts: measures replaced, due tests
    outside the new plan cancelled, new test days added; tests with results are kept.
    """
    if not (getattr(by, "is_superuser", False) or getattr(by, "role", None) == Role.CITY_COMMAND):
        raise NotAllowed("only the city command may switch the policy profile")
    profile = load_profile(name)
    changes: list[OrderChange] = []
    open_orders = ControlOrder.objects.filter(status__in=ControlOrder.OPEN).order_by("pk")
    last_pk = 0
    while True:
        batch = list(open_orders.filter(pk__gt=last_pk).prefetch_related("measures", "tests")[:chunk])
        if not batch:
            break
        last_pk = batch[-1].pk
        with transaction.atomic():
            for order in batch:
                plan = evaluate(profile, Facts.model_validate(order.facts))
                after = [m.as_dict() for m in plan.measures]
                before = _schedule_of(order)
                if after == before and plan.rule_id == order.rule_id:
                    continue
                changes.append(OrderChange(order.pk, order.person_id, before, after, order.rule_id, plan.rule_id))
                if apply:
                    _rederive(order, profile, plan)
    record = None
    if apply:
        record = ActiveProfile.objects.create(name=profile.name, version=profile.version, activated_by=by,
                                              changed_orders=len(changes))
        for person in Person.objects.filter(pk__in={c.person_id for c in changes}):
            health_code_refresh(person=person)
    return changes, record


def _rederive(order: ControlOrder, profile: Profile, plan: Plan) -> None:
    new_days = {d for m in plan.measures for d in m.test_days}
    order.measures.all().delete()
    kept = set(order.tests.exclude(status=ScheduledTest.Status.DUE).values_list("due_on", flat=True))
    order.tests.filter(status=ScheduledTest.Status.DUE).exclude(due_on__in=new_days).update(status=ScheduledTest.Status.CANCELLED)
    existing = set(order.tests.values_list("due_on", flat=True))
    ScheduledTest.objects.filter(order=order, due_on__in=new_days, status=ScheduledTest.Status.CANCELLED).update(
        status=ScheduledTest.Status.DUE)
    ScheduledTest.objects.bulk_create([
        ScheduledTest(order=order, person_id=order.person_id, area_code=order.area_code, due_on=d)
        for d in sorted(new_days - existing - kept)
    ])
    OrderMeasure.objects.bulk_create([
        OrderMeasure(order=order, seq=i, measure=m.measure, starts_on=m.start, ends_on=m.end)
        for i, m in enumerate(plan.measures, start=1)
    ])
    order.profile_name, order.profile_version, order.rule_id = profile.name, profile.version, plan.rule_id
    order.explanation, order.checkins_per_day = plan.explanation, plan.checkins_per_day
    if plan.measures:
        order.starts_on, order.ends_on = plan.measures[0].start, plan.measures[-1].end
    else:
        order.status, order.closed_at, order.closing_reason = ControlOrder.Status.CANCELLED, timezone.now(), f"no measure under {profile.name}"
    order.save()


def verification_record(*, by, device: str, code: HealthCode | None) -> dict | None:
    """Log a scan and answer what a scanner may know: colour, masked name, time."""
    now = timezone.now()
    Verification.objects.create(person=code.person if code else None, device=device[:64], colour=code.colour if code else "",
                                verified_by=by if getattr(by, "pk", None) else None, at=now)
    if code is None:
        return None
    return {"colour": code.colour, "name": mask_name(code.person.name), "at": now}


# ---------------------------------------------------------------------------
# Capability 8: gatherings (聚集性活动报批): submit, approve, reject, withdraw, cancel
# ---------------------------------------------------------------------------

import hashlib  # noqa: E402 - kept with the capability's block so parallel branches merge cleanly

from django.core.files.base import File  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402

from fangkong.areas.models import Area  # noqa: E402
from fangkong.core.crypto import lookup_hash, seal  # noqa: E402
from fangkong.core.ids import normalize_mobile  # noqa: E402
from fangkong.core.masking import mask_phone  # noqa: E402

from . import gathering_rules  # noqa: E402
from .models import GATHERING_MIN_ATTENDANCE, Gathering, GatheringKind, GatheringMeasure, GatheringStep  # noqa: E402
from .selectors import gathering_risk_blocks  # noqa: E402

PLAN_TEXT_MAX = 5000
PLAN_FILE_SNIFF_BYTES = 8 * 1024 * 1024  # a .docx is read whole to look inside the zip; others need a few bytes


def plan_file_max_bytes() -> int:
    return getattr(settings, "FANGKONG_PLAN_FILE_MAX_MB", 10) * 1024 * 1024


def _risk_reason(blocks, first: dt.date, last: dt.date) -> str:
    parts = []
    for r in blocks:
        what = r.get_level_display() if r.level in ("high", "medium") else r.get_zone_display()
        until = r.lifted_on.isoformat() if r.lifted_on else _("until lifted")
        parts.append(_("%(area)s is %(what)s from %(start)s (%(until)s)") % {
            "area": r.region_name, "what": what, "start": r.starts_on.isoformat(), "until": until})
    return _("gatherings are refused in a high or medium risk area or a sealed or controlled zone on the event's dates "
             "(%(first)s to %(last)s): %(records)s") % {"first": first.isoformat(), "last": last.isoformat(),
                                                          "records": "; ".join(parts)}


def _check_plan_file(upload, errors: dict[str, str]) -> tuple[str, str] | None:
    """(content type, cleaned name) of an acceptable plan file; an error on `plan_file` otherwise."""
    limit = plan_file_max_bytes()
    size = getattr(upload, "size", None) or 0
    if size > limit:
        errors["plan_file"] = _("the file is %(size).1f MB; the limit is %(limit)d MB") % {
            "size": size / 1024 / 1024, "limit": limit // 1024 // 1024}
        return None
    if size == 0:
        errors["plan_file"] = _("the file is empty")
        return None
    upload.seek(0)
    head = upload.read(PLAN_FILE_SNIFF_BYTES)
    upload.seek(0)
    content_type = gathering_rules.sniff_plan_file(head)
    if content_type is None:
        errors["plan_file"] = _("only PDF, Word (.docx), JPEG or PNG files are accepted")
        return None
    return content_type, gathering_rules.clean_file_name(getattr(upload, "name", ""), content_type)


def _require_gathering_writer(by) -> None:
    if not getattr(by, "is_authenticated", False) or not (by.is_superuser or by.may_write):
        raise NotAllowed(_("your role may read but not submit applications"))


def gathering_submit(
    *,
    by,
    area: Area,
    title: str,
    kind: str,
    organiser: str,
    contact_name: str,
    contact_phone: str,
    venue: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    expected_attendance: int,
    plan_text: str,
    measures: list[str] | tuple[str, ...] = (),
    plan_file=None,
) -> Gathering:
    """Submit an application for an event of more than 50 people, to be decided by the level above its area.

    Refused with a reason per field: 50 people or fewer (no application needed), a start in the
    past, an area that is a high/medium risk area or a sealed/controlled zone on the event's dates.
    """
    require_in_scope(by, area.code)
    _require_gathering_writer(by)
    errors: dict[str, str] = {}
    text = {"title": (title, 200), "organiser": (organiser, 200), "contact_name": (contact_name, 50), "venue": (venue, 200)}
    cleaned = {}
    for key, (value, limit) in text.items():
        cleaned[key] = " ".join(str(value or "").split())
        if not cleaned[key]:
            errors[key] = _("required")
        elif len(cleaned[key]) > limit:
            errors[key] = _("at most %(n)d characters") % {"n": limit}
    if kind not in GatheringKind.values:
        errors["kind"] = _("unknown kind; one of %(kinds)s") % {"kinds": ", ".join(GatheringKind.values)}
    phone = normalize_mobile(contact_phone or "")
    if phone is None:
        errors["contact_phone"] = _("not a mainland mobile number (11 digits starting with 1)")
    if expected_attendance is None or expected_attendance < GATHERING_MIN_ATTENDANCE:
        errors["expected_attendance"] = _(
            "events of 50 people or fewer need no application; an application is for more than 50 people")
    elif expected_attendance > gathering_rules.MAX_ATTENDANCE:
        errors["expected_attendance"] = _("more than %(n)d people is not a plausible figure") % {"n": gathering_rules.MAX_ATTENDANCE}
    plan = (plan_text or "").strip()
    if not plan:
        errors["plan_text"] = _("describe the prevention plan")
    elif len(plan) > PLAN_TEXT_MAX:
        errors["plan_text"] = _("at most %(n)d characters") % {"n": PLAN_TEXT_MAX}
    measures = list(dict.fromkeys(measures or ()))
    unknown = [m for m in measures if m not in GatheringMeasure.values]
    if unknown:
        errors["measures"] = _("unknown measure(s) %(bad)s; known: %(known)s") % {
            "bad": ", ".join(unknown), "known": ", ".join(GatheringMeasure.values)}
    decided_at = gathering_rules.approver_code(area.code)
    if decided_at is None:
        errors["area_code"] = _("choose the county, township or village where the event takes place "
                                "(city-wide events are decided by the province)")
    now = timezone.now()
    tz = timezone.get_default_timezone()
    if starts_at <= now:
        errors["starts_at"] = _("the event must start in the future")
    if ends_at <= starts_at:
        errors["ends_at"] = _("the event must end after it starts")
    elif (ends_at - starts_at) > dt.timedelta(days=gathering_rules.MAX_DAYS):
        errors["ends_at"] = _("an application covers at most %(n)d days; apply for a longer event month by month") % {
            "n": gathering_rules.MAX_DAYS}
    file_info = _check_plan_file(plan_file, errors) if plan_file is not None else None
    if "ends_at" not in errors and "area_code" not in errors:
        first, last = gathering_rules.event_days(starts_at, ends_at, tz)
        blocks = gathering_risk_blocks(area_code=area.code, first_day=first, last_day=last)
        if blocks:
            errors["area_code"] = _risk_reason(blocks, first, last)
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        gathering = Gathering(
            **cleaned, kind=kind, contact_phone_sealed=seal(phone), contact_phone_hash=lookup_hash(phone),
            contact_phone_masked=mask_phone(phone), area=area, area_code=area.code, approver_code=decided_at,
            starts_at=starts_at, ends_at=ends_at, expected_attendance=expected_attendance, plan_text=plan,
            measures=measures, submitted_by=by, submitted_at=now,
        )
        if file_info is not None:
            _store_plan_file(gathering, plan_file, *file_info)
        gathering.save()
        _gathering_step(gathering, Gathering.Status.SUBMITTED, by, "")
    return gathering


def _store_plan_file(gathering: Gathering, upload, content_type: str, name: str) -> None:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    gathering.plan_file.save("plan", File(upload), save=False)  # the stored name is random (models._gathering_plan_path)
    gathering.plan_file_name, gathering.plan_file_type = name, content_type
    gathering.plan_file_size, gathering.plan_file_sha256 = upload.size, digest.hexdigest()


def gathering_attach_plan(*, by, gathering: Gathering, plan_file) -> Gathering:
    """Attach (or replace) the plan file of a submitted application: only its applicant, before the decision."""
    require_in_scope(by, gathering.area_code)
    if gathering.submitted_by_id != by.pk and not by.is_superuser:
        raise NotAllowed(_("only the applicant may change the plan file"))
    errors: dict[str, str] = {}
    if gathering.status != Gathering.Status.SUBMITTED:
        errors["status"] = _("the application is %(status)s; the plan can change only before the decision") % {
            "status": gathering.get_status_display()}
    info = _check_plan_file(plan_file, errors) if not errors else None
    if errors:
        raise InvalidInput(errors)
    old = gathering.plan_file.name
    with transaction.atomic():
        _store_plan_file(gathering, plan_file, *info)
        gathering.save(update_fields=["plan_file", "plan_file_name", "plan_file_type", "plan_file_size", "plan_file_sha256"])
        if old:
            storage = gathering.plan_file.storage
            transaction.on_commit(lambda: storage.delete(old))
    return gathering


def _gathering_step(gathering: Gathering, status: str, by, reason: str) -> GatheringStep:
    return GatheringStep.objects.create(
        gathering=gathering, status=status, by=by if getattr(by, "pk", None) else None,
        by_name=(by.get_full_name() or by.username) if getattr(by, "pk", None) else "", reason=reason,
    )


def _locked(gathering: Gathering) -> Gathering:
    """The row again, locked for the decision (two deciders at once: the second sees the first's decision)."""
    return Gathering.objects.select_for_update().get(pk=gathering.pk)


def _require_status(gathering: Gathering, *allowed: str) -> None:
    if gathering.status not in allowed:
        raise InvalidInput({"status": _("the application is already %(status)s") % {"status": gathering.get_status_display()}})


def _require_decider(by, gathering: Gathering) -> None:
    if not gathering_rules.may_decide(role=getattr(by, "role", ""), user_area_code=by.area_code,
                                      decided_at=gathering.approver_code, is_superuser=by.is_superuser):
        decider = Area.objects.filter(code=gathering.approver_code).values_list("name", flat=True).first()
        raise NotAllowed(_("this application is decided by %(node)s (the level above the event's area) or above it; "
                           "users at the event's level or below cannot decide it") % {"node": decider or gathering.approver_code})
    if gathering.submitted_by_id == by.pk:
        raise NotAllowed(_("the applicant cannot decide their own application"))


def _decide(gathering: Gathering, by, status: str, reason: str) -> Gathering:
    now = timezone.now()
    gathering.status, gathering.decided_by, gathering.decided_at, gathering.reason = status, by, now, reason
    gathering.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    _gathering_step(gathering, status, by, reason)
    return gathering


def _clean_reason(reason: str, *, required: bool) -> str:
    reason = " ".join((reason or "").split())
    if required and not reason:
        raise InvalidInput({"reason": _("give the reason")})
    if len(reason) > 500:
        raise InvalidInput({"reason": _("at most %(n)d characters") % {"n": 500}})
    return reason


def gathering_approve(*, by, gathering: Gathering, reason: str = "") -> Gathering:
    """Approve, by the level above the event's area; refused while the area is at risk on the event's dates."""
    require_in_scope(by, gathering.area_code)
    _require_decider(by, gathering)
    reason = _clean_reason(reason, required=False)
    with transaction.atomic():
        locked = _locked(gathering)
        _require_status(locked, Gathering.Status.SUBMITTED)
        if locked.starts_at <= timezone.now():
            raise InvalidInput({"starts_at": _("the event has already started; it can no longer be approved")})
        first, last = gathering_rules.event_days(locked.starts_at, locked.ends_at, timezone.get_default_timezone())
        blocks = gathering_risk_blocks(area_code=locked.area_code, first_day=first, last_day=last)
        if blocks:
            raise InvalidInput({"area_code": _risk_reason(blocks, first, last)})
        _decide(locked, by, Gathering.Status.APPROVED, reason)
    return locked


def gathering_reject(*, by, gathering: Gathering, reason: str) -> Gathering:
    """Reject, by the level above the event's area, with a reason (required: the applicant must know why)."""
    require_in_scope(by, gathering.area_code)
    _require_decider(by, gathering)
    reason = _clean_reason(reason, required=True)
    with transaction.atomic():
        locked = _locked(gathering)
        _require_status(locked, Gathering.Status.SUBMITTED)
        _decide(locked, by, Gathering.Status.REJECTED, reason)
    return locked


def gathering_withdraw(*, by, gathering: Gathering, reason: str = "") -> Gathering:
    """The applicant takes back an application that is not decided yet."""
    require_in_scope(by, gathering.area_code)
    if gathering.submitted_by_id != by.pk and not by.is_superuser:
        raise NotAllowed(_("only the applicant may withdraw an application"))
    reason = _clean_reason(reason, required=False)
    with transaction.atomic():
        locked = _locked(gathering)
        _require_status(locked, Gathering.Status.SUBMITTED)
        locked.status, locked.reason = Gathering.Status.WITHDRAWN, reason
        locked.save(update_fields=["status", "reason"])
        _gathering_step(locked, Gathering.Status.WITHDRAWN, by, reason)
    return locked


def gathering_cancel(*, by, gathering: Gathering, reason: str) -> Gathering:
    """Call off an approved event (the organiser gives up, or the deciders stop it, e.g. after a case nearby)."""
    require_in_scope(by, gathering.area_code)
    own = gathering.submitted_by_id == by.pk
    if not own and not gathering_rules.may_decide(role=getattr(by, "role", ""), user_area_code=by.area_code,
                                                  decided_at=gathering.approver_code, is_superuser=by.is_superuser):
        raise NotAllowed(_("only the applicant or the level that decides may cancel an approved event"))
    reason = _clean_reason(reason, required=True)
    with transaction.atomic():
        locked = _locked(gathering)
        _require_status(locked, Gathering.Status.APPROVED)
        if locked.ends_at <= timezone.now():
            raise InvalidInput({"status": _("the event is over")})
        locked.status, locked.reason = Gathering.Status.CANCELLED, reason
        locked.save(update_fields=["status", "reason"])
        _gathering_step(locked, Gathering.Status.CANCELLED, by, reason)
    return locked
