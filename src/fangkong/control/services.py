"""Writes for key-population control: risk areas, arrivals, control orders, check-ins, results, health codes."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.models import Area, Responsible
from fangkong.control import actions, release
from fangkong.control.models import (
    ActiveProfile,
    Arrival,
    CheckIn,
    CheckinLink,
    ControlOrder,
    DeclarationPoster,
    Escalation,
    OrderMeasure,
    ScheduledTest,
    SelfDeclaration,
)
from fangkong.control.statuses import overdue_before
from fangkong.core import audit
from fangkong.core.bulkwrite import batches, insert_model_rows, insert_rows
from fangkong.core.clock import today as local_today
from fangkong.core.errors import AlreadyDone, InvalidInput, NotAllowed  # noqa: F401 - raised here, caught as services.*
from fangkong.core.permissions import PUBLIC, SCHEDULER, require
from fangkong.core.scoping import in_scope, subtree_q
from fangkong.core.text import clean_line, is_digits
from fangkong.healthcodes.models import HealthCode
from fangkong.healthcodes.services import codes_follow_person, health_code_refresh, health_codes_refresh
from fangkong.healthcodes.verification import verification_record
from fangkong.people.models import Household, Person
from fangkong.policy.engine import Facts, FactsInvalid, Plan, evaluate
from fangkong.policy.health import GREEN
from fangkong.policy.profile import Profile, load_profile
from fangkong.risk.models import RISK_ORDER, RiskArea
from fangkong.risk.selectors import origin_problem, origin_unclear, risk_level_on

# ---------------------------------------------------------------------------
# Policy in force, arrivals, control orders, check-ins, test results, health codes
# ---------------------------------------------------------------------------


def arrival_categories() -> list[str]:
    """What an arrival may be registered as: the profile in force says (its `arrivals` section)."""
    return list(active_profile().arrivals.categories)
KNOWN_SYMPTOMS = ("fever", "cough", "sore_throat", "fatigue", "loss_of_smell", "diarrhoea", "short_breath")




def active_profile() -> Profile:
    from fangkong.policy.selectors import active_profile as in_force

    return in_force()


def _responsible_for(area_code: str, household: Household | None) -> Responsible | None:
    """Who takes up work at a destination (areas.selectors.responsible_for)."""
    from fangkong.areas.selectors import responsible_for

    return responsible_for(area_code, household)


def _check_dates(errors: dict[str, str], *, arrived_on: dt.date | None, negative_test_date: dt.date | None) -> None:
    today = local_today()
    if arrived_on and arrived_on > today:
        errors["arrived_on"] = _("the arrival date is in the future")
    if negative_test_date and negative_test_date > today:
        errors["negative_test_date"] = _("the test date is in the future")


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
    destination_code: str = "",
    origin_risk: str = "",
    action: str = actions.ARRIVAL_REGISTER,
    place_order: bool = True,
) -> Arrival:
    """Record an arrival, route it to the responsible grid worker, and put the person under the plan in force.

    `by` is the reporting user, or None for the public self-declaration page (the system actor
    `system:public`). `action` is the one the caller does: registering an arrival, recording a checkpoint
    passage, importing a list, submitting a declaration.
    The destination is the household's node, else `destination_code` (a node a checkpoint was
    told, a community whose household is still to be confirmed, or a village from a pushed list),
    else the person's own node. `origin_risk` is the level the source states (a 协查 list); the
    higher of it and the level on the risk-area list applies.
    """
    actor = require(by if by is not None else PUBLIC, action)
    errors: dict[str, str] = {}
    if category not in arrival_categories():
        errors["category"] = _("must be one of %(choices)s") % {"choices": ", ".join(arrival_categories())}
    if not origin_name.strip():
        errors["origin_name"] = _("required")
    if origin_code and not is_digits(origin_code):
        errors["origin_code"] = _("a division code has digits only")
    if origin_risk and origin_risk not in RISK_ORDER:
        errors["origin_risk"] = _("must be high, medium or low")
    _check_dates(errors, arrived_on=arrived_on, negative_test_date=negative_test_date)
    destination = household.area_code if household is not None else (destination_code or person.area_code)
    # A checkpoint or a pushed list reports for the whole city; a user registering by hand, only in their area.
    if action == actions.ARRIVAL_REGISTER and by is not None and not in_scope(by, destination):
        errors["destination"] = _("outside your area")
    if errors:
        raise InvalidInput(errors)
    answer = risk_level_on(on=arrived_on, code=origin_code, name="" if origin_code else origin_name)
    risk = answer.level
    if by is not None and not origin_risk and origin_unclear(
            answer, category=category, arrived_on=arrived_on, negative_test_date=negative_test_date,
            released_from_centralized_isolation=released_from_centralized_isolation):
        # A person typed the origin: ask them for the division rather than plan as if it had no risk.
        raise InvalidInput({"origin_name": origin_problem(origin_name, answer)})
    if origin_risk and (risk is None or RISK_ORDER[origin_risk] > RISK_ORDER[risk]):
        risk = origin_risk
    with transaction.atomic():
        arrival = Arrival.objects.create(
            person=person, area_code=destination, household=household, category=category, origin_code=origin_code,
            origin_name=origin_name.strip(), origin_risk=risk or "", route=route, transport=transport,
            transport_number=transport_number, arrived_on=arrived_on, negative_test_date=negative_test_date,
            released_from_centralized_isolation=released_from_centralized_isolation, source=source,
            reported_by=by if getattr(by, "pk", None) else None,
        )
        owner = _responsible_for(destination, household)
        if owner is not None:
            arrival.routed_to, arrival.routed_at = owner, timezone.now()
            arrival.save(update_fields=["routed_to", "routed_at"])
        facts = Facts(
            id=str(person.pk), category=category, origin_risk=risk, arrival_date=arrived_on,
            negative_test_date=negative_test_date, released_from_centralized_isolation=released_from_centralized_isolation,
        )
        # Not yet for a declaration that waits for the worker to confirm who made it (declaration_submit).
        order = order_from_facts(person=person, facts=facts, arrival=arrival, owner=owner) if place_order else None
        audit.record(actor, action, obj=arrival, changes={
            "person": person.pk, "category": category, "origin_code": origin_code, "origin_name": arrival.origin_name,
            "origin_risk": arrival.origin_risk, "arrived_on": arrived_on, "source": source,
            "order": order.pk if order else None, "rule": order.rule_id if order else None})
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


def checkin_record(*, by, order: ControlOrder, temperature, symptoms: list[str] | None = None, note: str = "",
                   self_reported: bool = False) -> CheckIn:
    """A daily check-in. Fever or symptoms escalate at once to the responsibility chain.
    A self-reported one (through the person's link) is the public page's (`system:public`)."""
    action = actions.CHECKIN_SELF_RECORD if self_reported else actions.CHECKIN_RECORD
    actor = require(by if by is not None else PUBLIC, action, order.area_code)
    errors: dict[str, str] = {}
    try:
        temp = Decimal(str(temperature)).quantize(Decimal("0.1"))
    except ArithmeticError:
        errors["temperature"] = _("not a number")
        temp = Decimal(0)
    else:
        if not Decimal("34.0") <= temp <= Decimal("43.0"):
            errors["temperature"] = _("%(temp)s °C is not a body temperature (34–43 °C)") % {"temp": temp}
    symptoms = list(symptoms or [])
    unknown = [s for s in symptoms if s not in KNOWN_SYMPTOMS]
    if unknown:
        errors["symptoms"] = _("unknown symptom(s) %(unknown)s; known: %(known)s") % {
            "unknown": ", ".join(unknown), "known": ", ".join(KNOWN_SYMPTOMS)}
    if not order.is_open:
        errors["order"] = _("the order is %(status)s; check-ins are for open orders") % {
            "status": order.get_status_display()}
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
        audit.record(actor, action, obj=checkin, changes={"order": order.pk, "temperature": temp, "symptoms": symptoms})
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
    """A result for a scheduled test. A positive escalates and turns the code red; a negative may complete the order.
    The result keeps who recorded it."""
    require(by, actions.TEST_RESULT_RECORD, test.area_code)
    with transaction.atomic():
        before = test.status
        test.status = ScheduledTest.Status.POSITIVE if positive else ScheduledTest.Status.NEGATIVE
        test.result_at = at or timezone.now()
        test.recorded_by = by if getattr(by, "pk", None) else None
        test.save(update_fields=["status", "result_at", "recorded_by"])
        if positive:
            _escalate(test.order, Escalation.Kind.POSITIVE, f"positive test due {test.due_on}", level=3)
        audit.record(by, actions.TEST_RESULT_RECORD, obj=test, changes={
            "status": [before, test.status], "due_on": test.due_on, "order": test.order_id, "result_at": test.result_at})
        person = test.order.person
        transaction.on_commit(lambda: health_code_refresh(person=person))
    return test


def order_release(*, by, order: ControlOrder, on: dt.date | None = None, audited: bool = True,
                  confirmed: list[str] | tuple[str, ...] = ()) -> ControlOrder:
    """Release when the schedule is complete, every test is negative and the rule's release conditions hold
    (control.release); otherwise say what is missing. A condition the platform cannot check is met only when
    the user confirms it by name (`confirmed`), never by the scheduled release.
    `by` None is the scheduled release (`system:scheduler`), which records one event per run instead."""
    actor = require(by if by is not None else SCHEDULER, actions.ORDER_RELEASE, order.area_code)
    on = on or local_today()
    problems = {}
    if order.ends_on and on < order.ends_on:
        problems["ends_on"] = _("the order runs until %(date)s") % {"date": order.ends_on}
    pending = order.tests.exclude(status__in=ScheduledTest.SETTLED).count()
    if pending:
        problems["tests"] = _("%(count)d test(s) without a negative result") % {"count": pending}
    if order.escalations.filter(resolved_at__isnull=True).exists():
        problems["escalations"] = _("open escalations must be resolved first")
    if not order.is_open:
        problems["status"] = _("the order is %(status)s") % {"status": order.get_status_display()}
    confirmed = frozenset(confirmed) if by is not None else frozenset()
    problems.update(release.unmet(order, confirmed=confirmed))
    if problems:
        raise InvalidInput(problems)
    attested = sorted(confirmed & set(release.requirements_of(order)))
    with transaction.atomic():
        order.status, order.closed_at = ControlOrder.Status.RELEASED, timezone.now()
        order.closing_reason = "schedule complete" + (f"; confirmed: {', '.join(attested)}" if attested else "")
        order.save(update_fields=["status", "closed_at", "closing_reason"])
        if audited:
            audit.record(actor, actions.ORDER_RELEASE, obj=order, reason=order.closing_reason,
                         changes={"status": ["open", order.status], "confirmed": attested})
        person = order.person
        transaction.on_commit(lambda: health_code_refresh(person=person))
    return order


def order_transfer_to_hospital(*, by, order: ControlOrder, reason: str) -> ControlOrder:
    """A person under control goes to hospital (fever, a positive result): the order waits for the hospital."""
    require(by, actions.ORDER_TRANSFER, order.area_code)
    reason = " ".join((reason or "").split())[:200]
    if not reason:
        raise InvalidInput({"reason": _("give the reason")})
    with transaction.atomic():
        order = ControlOrder.objects.select_for_update().get(pk=order.pk)
        if not order.is_open:
            raise InvalidInput({"status": _("the order is %(status)s") % {"status": order.get_status_display()}})
        before = order.status
        order.status, order.closing_reason = ControlOrder.Status.HOSPITAL, reason
        order._history_user = by if getattr(by, "pk", None) else None
        order.save(update_fields=["status", "closing_reason"])
        audit.record(by, actions.ORDER_TRANSFER, obj=order, reason=reason, changes={"status": [before, order.status]})
    return order


def order_hospital_admit(*, by, order: ControlOrder) -> ControlOrder:
    """The hospital takes over a person transferred to it (the user's unit, when bound to one, is recorded)."""
    require(by, actions.HOSPITAL_ADMIT, order.area_code)
    with transaction.atomic():
        order = ControlOrder.objects.select_for_update().get(pk=order.pk)
        if order.status != ControlOrder.Status.HOSPITAL or order.admitted_at is not None:
            raise InvalidInput({"status": _("only a person transferred to hospital and not yet taken over can be admitted")})
        order.admitted_at, order.hospital_id = timezone.now(), getattr(by, "unit_id", None)
        order._history_user = by if getattr(by, "pk", None) else None
        order.save(update_fields=["admitted_at", "hospital"])
        audit.record(by, actions.HOSPITAL_ADMIT, obj=order, changes={"hospital": order.hospital_id})
    return order


def order_hospital_discharge(*, by, order: ControlOrder, note: str = "") -> ControlOrder:
    """The hospital discharges the person: the order ends (a new order, if the policy wants one after discharge,
    is the worker's to register)."""
    require(by, actions.HOSPITAL_DISCHARGE, order.area_code)
    with transaction.atomic():
        order = ControlOrder.objects.select_for_update().get(pk=order.pk)
        if order.status != ControlOrder.Status.HOSPITAL or order.admitted_at is None:
            raise InvalidInput({"status": _("only a person the hospital has taken over can be discharged")})
        order.status, order.closed_at = ControlOrder.Status.RELEASED, timezone.now()
        order.closing_reason = (" ".join((note or "").split()) or "discharged from hospital")[:200]
        order._history_user = by if getattr(by, "pk", None) else None
        order.save(update_fields=["status", "closed_at", "closing_reason"])
        audit.record(by, actions.HOSPITAL_DISCHARGE, obj=order, reason=order.closing_reason,
                     changes={"status": [ControlOrder.Status.HOSPITAL, order.status]})
        person = order.person
        transaction.on_commit(lambda: health_code_refresh(person=person))
    return order


def orders_release_due(*, on: dt.date | None = None) -> int:
    """Release every open order whose schedule ended with all tests negative and nothing escalated."""
    require(SCHEDULER, actions.ORDER_RELEASE)
    on = on or local_today()
    released = 0
    due = ControlOrder.objects.filter(status__in=[ControlOrder.Status.ORDERED, ControlOrder.Status.IN_PROGRESS], ends_on__lt=on)
    for order in due.iterator():
        try:
            order_release(by=None, order=order, on=on, audited=False)
        except InvalidInput:
            continue
        released += 1
    if released:
        with transaction.atomic():
            audit.record(SCHEDULER, actions.ORDER_RELEASE, object_type="controlorder", count=released,
                         reason="schedules complete", changes={"on": on})
    return released


def _chain_level(profile: Profile, hours_overdue: float) -> int:
    """1 = village cadre, 2 = township, 3 = county, by the profile's chain_hours thresholds."""
    return max(1, sum(1 for threshold in profile.escalation.chain_hours if hours_overdue >= threshold))


def overdue_scan(*, now: dt.datetime | None = None) -> dict:
    """Mark missed tests and check-ins, raise or lift escalations up the chain, refresh affected colours.

    Idempotent: run it as often as you like (the worker runs it every few minutes).
    """
    require(SCHEDULER, actions.SCAN_RUN)
    now = now or timezone.now()
    profile = active_profile()
    tz = timezone.get_default_timezone()
    grace = dt.timedelta(hours=profile.escalation.missed_test_grace_hours)
    counts = {"missed_tests": 0, "missed_checkins": 0, "raised": 0}
    touched: set[int] = set()
    with transaction.atomic():
        # Tests: a test due on D is missed once the end of D plus the grace period has passed.
        cutoff_day = overdue_before(profile, now)
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
        if any(counts.values()):
            audit.record(SCHEDULER, actions.SCAN_RUN, object_type="escalation", count=sum(counts.values()),
                         changes=counts)
    for person in Person.objects.filter(pk__in=touched):
        health_code_refresh(person=person)
    return counts




def escalation_resolve(*, by, escalation: Escalation, note: str = "") -> Escalation:
    require(by, actions.ESCALATION_RESOLVE, escalation.area_code)
    with transaction.atomic():
        escalation = Escalation.objects.select_for_update().get(pk=escalation.pk)
        if escalation.resolved_at is not None:
            raise AlreadyDone(_("this escalation was resolved already, by %(name)s at %(at)s") % {
                "name": getattr(escalation.resolved_by, "username", "") or _("the system"),
                "at": timezone.localtime(escalation.resolved_at).strftime("%Y-%m-%d %H:%M")})
        escalation.resolved_at, escalation.resolved_by = timezone.now(), by
        escalation.save(update_fields=["resolved_at", "resolved_by"])
        audit.record(by, actions.ESCALATION_RESOLVE, obj=escalation, reason=note[:300],
                     changes={"kind": escalation.kind, "level": escalation.level, "order": escalation.order_id})
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
    """The open orders a profile switch changes: `total` of them, with details for the first ones kept,
    and the seconds spent in each phase of the switch (the benchmark prints them)."""

    total: int = 0

    def __init__(self):
        super().__init__()
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def tick(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[phase] = round(self.seconds.get(phase, 0.0) + now - self._last, 3)
        self._last = now


SWITCH_CHUNK = 20_000  # open orders read (and re-derived) per round
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
    order_values: tuple  # the order's columns under this plan (see _order_values)

    @classmethod
    def of(cls, plan: Plan, profile: Profile) -> _Derived:
        return cls(plan, tuple((m.measure, m.start, m.end, m.test_days) for m in plan.measures),
                   frozenset(day for m in plan.measures for day in m.test_days), _order_values(plan, profile))


def _test_status_on(day: dt.date, waive_before: dt.date | None) -> str:
    """A test day a profile switch adds: due, or waived when its day had passed before the switch (nobody
    could have taken a test the policy did not ask for yet, so it must not turn up overdue and escalate).
    Other re-derivations (a corrected arrival date) waive nothing: the test was owed, and is late."""
    return ScheduledTest.Status.WAIVED if waive_before and day < waive_before else ScheduledTest.Status.DUE


def _colour_settings(profile: Profile) -> tuple:
    """What a health colour depends on besides a person's orders and tests."""
    return profile.health_colors.model_dump(), profile.escalation.missed_test_grace_hours


SWITCH_IN_SQL_FROM = 5000  # open orders: from here on PostgreSQL compares and rewrites them in SQL
SWITCH_WORK_MEM = "256MB"  # for the switch's transaction: a million orders' hash joins in one batch


def profile_switch(
    *, by, name: str, apply: bool, details: int | None = None, chunk: int = SWITCH_CHUNK,
) -> tuple[OrderChanges, ActiveProfile | None]:
    """Switch the profile in force. Dry run (apply=False): every open order whose plan would change.

    Applying re-derives those orders from their stored facts: measures replaced, test days without
    a result that the new plan no longer has removed, the new plan's days added (waived when their
    day has passed); tests with results are kept; each changed order gets a history row. All of it,
    the switch's record and the affected persons' health codes happen in one transaction: a failure
    leaves the old profile and orders in force.

    A plan is derived once per distinct set of facts. On PostgreSQL with many open orders the
    comparison and the writes are set-based statements over temporary tables (`_switch_in_sql`);
    elsewhere orders are read a chunk at a time and written in bulk (`_Rewrite`).
    `details` keeps the before/after of at most that many changes (all by default); `total` counts all.
    """
    require(by, actions.PROFILE_SWITCH)  # city-wide: a user bound at city level (the dry run lists any order)
    profile = load_profile(name)
    changes = OrderChanges()
    now, today = timezone.now(), local_today()
    with transaction.atomic():
        before = active_profile()
        open_orders = ControlOrder.objects.filter(status__in=ControlOrder.OPEN)
        if connection.vendor == "postgresql" and open_orders.count() >= SWITCH_IN_SQL_FROM:
            touched = _switch_in_sql(profile, by=by, apply=apply, details=details, now=now, today=today,
                                     changes=changes)
        else:
            touched = _switch_in_python(profile, by=by, apply=apply, details=details, now=now, today=today,
                                        changes=changes, chunk=chunk)
        if not apply:
            return changes, None
        record = ActiveProfile.objects.create(name=profile.name, version=profile.version,
                                              activated_by=by if getattr(by, "pk", None) else None,
                                              changed_orders=changes.total)
        audit.record(by, actions.PROFILE_SWITCH, obj=record, count=changes.total, reason=_switch_reason(profile),
                     changes={"profile": [f"{before.name} v{before.version}", f"{profile.name} v{profile.version}"]})
        if _colour_settings(before) != _colour_settings(profile):
            # The rules changed: colours of persons whose orders stayed as they were may change too.
            touched = set(touched) | set(open_orders.values_list("person_id", flat=True))
            touched |= set(HealthCode.objects.exclude(colour=GREEN).values_list("person_id", flat=True))
        health_codes_refresh(person_ids=touched, now=now)
        changes.tick("health_codes")
    changes.tick("commit")  # the deferred foreign-key checks of every row written run here
    return changes, record


def _derive(derived: dict, facts: dict, profile: Profile) -> _Derived:
    """The plan for a set of stored facts, derived once per distinct set (the person's id aside)."""
    key = tuple(sorted((k, v) for k, v in facts.items() if k != "id"))
    d = derived.get(key)
    if d is None:
        d = derived[key] = _Derived.of(evaluate(profile, Facts.model_validate({"id": "-", **facts})), profile)
    return d


def _switch_in_python(profile: Profile, *, by, apply: bool, details: int | None, now: dt.datetime,
                      today: dt.date, changes: OrderChanges, chunk: int) -> set[int]:
    """Orders read a chunk at a time with their measures and tests (three queries), compared in Python,
    written in bulk. Returns the persons whose codes to refresh: those of every changed order."""
    derived: dict[tuple, _Derived] = {}
    persons: set[int] = set()
    rewrite = _Rewrite(profile, by=by, now=now, waive_before=today, tick=changes.tick)
    last_pk = 0
    while True:
        orders = list(
            ControlOrder.objects.filter(status__in=ControlOrder.OPEN, pk__gt=last_pk).order_by("pk")
            .values_list("pk", "person_id", "area_code", "facts", "rule_id")[:chunk]
        )
        if not orders:
            break
        first_pk, last_pk = orders[0][0], orders[-1][0]
        changes.tick("read_orders")
        measures, tests = _schedules_of(order_id__gte=first_pk, order_id__lte=last_pk)
        changes.tick("read_measures_and_tests")
        work = []
        for pk, person_id, area_code, facts, rule_id in orders:
            d = _derive(derived, facts, profile)
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
        changes.tick("derive_and_compare")
        if work:
            rewrite.add(work)
    if apply:
        rewrite.finish()
    return persons


def _schedules_of(**order_filter) -> tuple[dict[int, list[tuple]], dict[int, list[tuple]]]:
    """Measures (measure, start, end) in order and tests (pk, day, status) of the orders the filter names."""
    measures: dict[int, list[tuple]] = {}
    for order_id, measure, start, end in (
        OrderMeasure.objects.filter(**order_filter).order_by("order_id", "seq")
        .values_list("order_id", "measure", "starts_on", "ends_on")
    ):
        measures.setdefault(order_id, []).append((measure, start, end))
    tests: dict[int, list[tuple]] = {}
    for pk, order_id, due, status in (
        ScheduledTest.objects.filter(**order_filter).values_list("pk", "order_id", "due_on", "status")
    ):
        tests.setdefault(order_id, []).append((pk, due, status))
    return measures, tests


class _Rewrite:
    """The writes of a re-derivation, gathered chunk by chunk: an order's measures and tests are replaced
    as its chunk is read; the orders themselves are updated at `finish`, one UPDATE per distinct set of
    new values (a few hundred in a city, not a few per chunk), then each gets its history row."""

    def __init__(self, profile: Profile, *, by, now: dt.datetime, waive_before: dt.date | None = None,
                 tick=lambda phase: None):
        self.profile, self.by, self.now, self.waive_before, self.tick = profile, by, now, waive_before, tick
        self.groups: dict[tuple, list[int]] = {}
        self.ids: list[int] = []

    def add(self, work: list[tuple]) -> None:
        """Orders of one chunk: (order pk, person id, area code, derived plan, its tests as (pk, day, status))."""
        ids = [w[0] for w in work]
        for batch in batches(ids):
            OrderMeasure.objects.filter(order_id__in=batch).delete()
        self.tick("delete_measures")
        remove, revive, create, measures = [], [], [], []
        replaceable = (ScheduledTest.Status.DUE, ScheduledTest.Status.WAIVED)
        cancelled, waive_before = ScheduledTest.Status.CANCELLED, self.waive_before
        groups = self.groups
        for pk, person_id, area_code, d, tests in work:
            existing = set()
            for test_pk, day, status in tests:
                existing.add(day)
                if status in replaceable and day not in d.test_days:
                    remove.append(test_pk)
                elif status == cancelled and day in d.test_days:  # cancelled by a switch before tests were removed
                    revive.append((test_pk, _test_status_on(day, waive_before)))
            create += [(pk, person_id, area_code, day, _test_status_on(day, waive_before))
                       for day in sorted(d.test_days - existing)]
            measures += [(pk, i, m.measure, m.start, m.end) for i, m in enumerate(d.plan.measures, start=1)]
            groups.setdefault(d.order_values, []).append(pk)
        self.ids += ids
        self.tick("plan_writes")
        for batch in batches(remove):
            ScheduledTest.objects.filter(pk__in=batch).delete()
        for status in {status for _pk, status in revive}:
            for batch in batches([pk for pk, s in revive if s == status]):
                ScheduledTest.objects.filter(pk__in=batch).update(status=status)
        self.tick("remove_and_revive_tests")
        insert_model_rows(ScheduledTest, ["order_id", "person_id", "area_code", "due_on", "status"], create)
        insert_model_rows(OrderMeasure, ["order_id", "seq", "measure", "starts_on", "ends_on"], measures)
        self.tick("insert_tests_and_measures")

    def finish(self) -> None:
        for values, pks in self.groups.items():
            fields = dict(values)
            if fields.get("status") == ControlOrder.Status.CANCELLED:
                fields["closed_at"] = self.now
            for batch in batches(sorted(pks)):
                ControlOrder.objects.filter(pk__in=batch).update(**fields)
        self.tick("update_orders")
        reason = _switch_reason(self.profile)
        for batch in batches(sorted(self.ids)):
            marks = ", ".join(["%s"] * len(batch))
            _history_of_orders(f"IN ({marks})", batch, by=self.by, at=self.now, reason=reason)
        self.tick("history_rows")
        self.groups, self.ids = {}, []


def _switch_reason(profile: Profile) -> str:
    return f"profile switch to {profile.name} v{profile.version}"


def _switch_in_sql(profile: Profile, *, by, apply: bool, details: int | None, now: dt.datetime,
                   today: dt.date, changes: OrderChanges) -> list[int]:
    """The switch as a few statements on PostgreSQL; returns the persons whose codes may change.

    Python derives one plan per distinct set of facts (a few hundred in a city) into the temporary
    table sw_plan; one statement compares every open order's schedule with its plan's and keeps the
    changed ones in sw_order; the writes are joins of the two. Nothing per order crosses to Python
    but the first `details` changes. A million orders moved in minutes as chunks shipped to Python and
    back; here the database does the same comparisons next to the rows.
    """
    quote = connection.ops.quote_name
    orders, measures = quote(ControlOrder._meta.db_table), quote(OrderMeasure._meta.db_table)
    tests = quote(ScheduledTest._meta.db_table)
    open_statuses = list(ControlOrder.OPEN)
    with connection.cursor() as cur:
        # The row estimates over a million orders pass JIT's thresholds; compiling costs more than it saves.
        cur.execute("SET LOCAL jit = off")
        # With the default 4 MB a hash join over a million orders runs in batches, and its rows reach the
        # UPDATE or DELETE out of table order: each page was read and written ~6 times (1M orders: 9.4 s).
        cur.execute(f"SET LOCAL work_mem = '{SWITCH_WORK_MEM}'")
        cur.execute(f"SELECT DISTINCT facts - 'id' FROM {orders} WHERE status = ANY(%s)", [open_statuses])  # noqa: S608
        facts_sets = [json.loads(row[0]) if isinstance(row[0], str) else row[0] for row in cur.fetchall()]
        changes.tick("read_orders")
        derived: dict[tuple, _Derived] = {}
        plans: dict[int, _Derived] = {}
        plan_rows, measure_rows = [], []
        for gid, facts in enumerate(facts_sets, start=1):
            d = plans[gid] = _derive(derived, facts, profile)
            values = dict(d.order_values)
            cancel = values.get("status") == ControlOrder.Status.CANCELLED
            plan_rows.append((gid, json.dumps(facts), d.plan.rule_id,
                              [f"{m.measure} {m.start:%Y-%m-%d} {m.end:%Y-%m-%d}" for m in d.plan.measures],
                              sorted(d.test_days), values["explanation"], values["checkins_per_day"],
                              values.get("starts_on"), values.get("ends_on"), cancel, values.get("closing_reason", "")))
            measure_rows += [(gid, i, m.measure, m.start, m.end) for i, m in enumerate(d.plan.measures, start=1)]
        cur.execute(
            "CREATE TEMP TABLE sw_plan (gid int PRIMARY KEY, facts jsonb NOT NULL, rule_id text NOT NULL, "
            "measures text[] NOT NULL, days date[] NOT NULL, explanation text NOT NULL, checkins_per_day int NOT NULL, "
            "starts_on date, ends_on date, cancel boolean NOT NULL, closing_reason text NOT NULL) ON COMMIT DROP"
        )
        cur.execute("CREATE TEMP TABLE sw_measure (gid int, seq int, measure text, starts_on date, ends_on date) "
                    "ON COMMIT DROP")
        insert_rows("sw_plan", ["gid", "facts", "rule_id", "measures", "days", "explanation", "checkins_per_day",
                                "starts_on", "ends_on", "cancel", "closing_reason"], plan_rows)
        insert_rows("sw_measure", ["gid", "seq", "measure", "starts_on", "ends_on"], measure_rows)
        cur.execute("ANALYZE sw_plan")
        changes.tick("derive_plans")
        # An order's schedule as the plan's: its measures in order, and its test days (not cancelled) that
        # fall in a measure; with the same measures that is the same test as _schedule_key's.
        cur.execute(
            "CREATE TEMP TABLE sw_order ON COMMIT DROP AS "  # noqa: S608 - model tables, values are parameters
            "SELECT o.id, o.person_id, o.area_code, p.gid "
            f"FROM {orders} o JOIN sw_plan p ON p.facts = o.facts - 'id' "
            "CROSS JOIN LATERAL (SELECT "
            "  COALESCE(array_agg(m.measure || ' ' || to_char(m.starts_on, 'YYYY-MM-DD') || ' ' "
            "    || to_char(m.ends_on, 'YYYY-MM-DD') ORDER BY m.seq), '{}') AS measures, "
            "  COALESCE(array_agg(daterange(m.starts_on, m.ends_on, '[]')), '{}') AS spans "
            f"  FROM {measures} m WHERE m.order_id = o.id) s "
            "WHERE o.status = ANY(%s) AND (o.rule_id <> p.rule_id OR s.measures <> p.measures OR p.days <> COALESCE(("
            f"  SELECT array_agg(DISTINCT t.due_on ORDER BY t.due_on) FROM {tests} t "
            "   WHERE t.order_id = o.id AND t.status <> %s AND t.due_on <@ ANY(s.spans)), '{}'))",
            [open_statuses, ScheduledTest.Status.CANCELLED],
        )
        changes.total = cur.rowcount
        cur.execute("ANALYZE sw_order")
        changes.tick("compare")
        _details_of_changes(cur, plans, details, changes)
        changes.tick("details")
        if not apply:
            cur.execute("DROP TABLE sw_plan, sw_measure, sw_order")
            return []
        cur.execute("CREATE TEMP TABLE sw_touched (person_id bigint PRIMARY KEY) ON COMMIT DROP")
        overdue_day = overdue_before(profile, now)
        # Tests without a result that the plan no longer has; a person with one of them overdue may turn a
        # colour lighter. (Days added below are never overdue: past ones are waived.)
        cur.execute(
            f"WITH gone AS (DELETE FROM {tests} t USING sw_order s JOIN sw_plan p ON p.gid = s.gid "  # noqa: S608
            "  WHERE t.order_id = s.id AND t.status = ANY(%s) AND NOT t.due_on = ANY(p.days) "
            "  RETURNING t.person_id, t.status, t.due_on) "
            "INSERT INTO sw_touched SELECT DISTINCT person_id FROM gone WHERE status = %s AND due_on < %s",
            [[ScheduledTest.Status.DUE, ScheduledTest.Status.WAIVED], ScheduledTest.Status.DUE, overdue_day],
        )
        waived_or_due = "CASE WHEN {day} < %s THEN %s ELSE %s END"
        status_args = [today, ScheduledTest.Status.WAIVED, ScheduledTest.Status.DUE]
        cur.execute(  # tests cancelled by a switch before switches removed them: back on the schedule
            f"UPDATE {tests} t SET status = {waived_or_due.format(day='t.due_on')} "  # noqa: S608
            "FROM sw_order s JOIN sw_plan p ON p.gid = s.gid "
            "WHERE t.order_id = s.id AND t.status = %s AND t.due_on = ANY(p.days)",
            [*status_args, ScheduledTest.Status.CANCELLED],
        )
        changes.tick("remove_and_revive_tests")
        cur.execute(
            f"INSERT INTO {tests} (order_id, person_id, area_code, due_on, status) "  # noqa: S608
            f"SELECT s.id, s.person_id, s.area_code, d.day, {waived_or_due.format(day='d.day')} "
            "FROM sw_order s JOIN sw_plan p ON p.gid = s.gid CROSS JOIN unnest(p.days) AS d(day) "
            f"WHERE NOT EXISTS (SELECT 1 FROM {tests} t WHERE t.order_id = s.id AND t.due_on = d.day) "
            "ORDER BY s.area_code, d.day",
            status_args,
        )
        cur.execute(f"DELETE FROM {measures} m USING sw_order s WHERE m.order_id = s.id")  # noqa: S608
        cur.execute(
            f"INSERT INTO {measures} (order_id, seq, measure, starts_on, ends_on) "  # noqa: S608
            "SELECT s.id, m.seq, m.measure, m.starts_on, m.ends_on FROM sw_order s JOIN sw_measure m ON m.gid = s.gid"
        )
        changes.tick("insert_tests_and_measures")
        cancelled = ControlOrder.Status.CANCELLED
        cur.execute(
            f"UPDATE {orders} o SET profile_name = %s, profile_version = %s, rule_id = p.rule_id, "  # noqa: S608
            "explanation = p.explanation, checkins_per_day = p.checkins_per_day, "
            "starts_on = COALESCE(p.starts_on, o.starts_on), ends_on = COALESCE(p.ends_on, o.ends_on), "
            "status = CASE WHEN p.cancel THEN %s ELSE o.status END, "
            "closed_at = CASE WHEN p.cancel THEN %s ELSE o.closed_at END, "
            "closing_reason = CASE WHEN p.cancel THEN p.closing_reason ELSE o.closing_reason END "
            "FROM sw_order s JOIN sw_plan p ON p.gid = s.gid WHERE o.id = s.id",
            [profile.name, profile.version, cancelled, now],
        )
        cur.execute("INSERT INTO sw_touched SELECT s.person_id FROM sw_order s JOIN sw_plan p ON p.gid = s.gid "
                    "WHERE p.cancel ON CONFLICT DO NOTHING")
        changes.tick("update_orders")
        _history_of_orders("IN (SELECT id FROM sw_order)", [], by=by, at=now, reason=_switch_reason(profile))
        changes.tick("history_rows")
        cur.execute("SELECT person_id FROM sw_touched")
        touched = [row[0] for row in cur.fetchall()]
        cur.execute("DROP TABLE sw_plan, sw_measure, sw_order, sw_touched")
    return touched


def _details_of_changes(cur, plans: dict[int, _Derived], details: int | None, changes: OrderChanges) -> None:
    """Before and after of the first `details` changed orders (by id), for the dry run's page."""
    limit = "" if details is None else f" LIMIT {int(details)}"
    cur.execute(
        "SELECT s.id, s.person_id, s.gid, o.rule_id FROM sw_order s "  # noqa: S608 - model table; limit an int
        f"JOIN {connection.ops.quote_name(ControlOrder._meta.db_table)} o ON o.id = s.id ORDER BY s.id{limit}"
    )
    rows = cur.fetchall()
    if not rows:
        return
    measures, tests = _schedules_of(order_id__in=[row[0] for row in rows])
    for pk, person_id, gid, rule_id in rows:
        d = plans[gid]
        before = _schedule_key(measures.get(pk, []), tests.get(pk, []))
        changes.append(OrderChange(pk, person_id, _schedule_dicts(before), _schedule_dicts(d.key), rule_id,
                                   d.plan.rule_id))


def order_rederive(*, order: ControlOrder, profile: Profile, plan: Plan, by) -> bool:
    """Re-derive one order from a new plan the way a profile switch does (results kept, history row), but
    with no test waived: the facts changed, not the policy. False when its schedule and rule are unchanged."""
    derived = _Derived.of(plan, profile)
    measures = list(order.measures.order_by("seq").values_list("measure", "starts_on", "ends_on"))
    tests = list(order.tests.values_list("pk", "due_on", "status"))
    if derived.key == _schedule_key(measures, tests) and plan.rule_id == order.rule_id:
        return False
    rewrite = _Rewrite(profile, by=by, now=timezone.now())
    rewrite.add([(order.pk, order.person_id, order.area_code, derived, tests)])
    rewrite.finish()
    order.refresh_from_db()
    return True


def _order_values(plan: Plan, profile: Profile) -> tuple:
    """The columns of a re-derived order, as a hashable group key (orders with the same ones share an UPDATE)."""
    values = [("profile_name", profile.name), ("profile_version", profile.version), ("rule_id", plan.rule_id),
              ("explanation", plan.explanation), ("checkins_per_day", plan.checkins_per_day)]
    if plan.measures:
        values += [("starts_on", plan.measures[0].start), ("ends_on", plan.measures[-1].end)]
    else:
        values += [("status", ControlOrder.Status.CANCELLED), ("closing_reason", f"no measure under {profile.name}")]
    return tuple(values)


def _history_of_orders(id_condition: str, params: list, *, by, at: dt.datetime, reason: str) -> None:
    """One history row per order as it is now ("~", changed), written by the database from the order rows
    whose id meets `id_condition` (SQL after "WHERE id ", with `params` for its placeholders).

    The same row django-simple-history writes on save(), made with one INSERT … SELECT instead of one
    INSERT per order. A history column this code does not know stops it, rather than being left empty.
    """
    history = ControlOrder.history.model
    quote = connection.ops.quote_name
    order_columns = {f.attname for f in ControlOrder._meta.concrete_fields}
    given = {"history_date": at, "history_type": "~", "history_user_id": getattr(by, "pk", None),
             "history_change_reason": reason[:100]}
    columns, selects, values = [], [], []
    for f in history._meta.concrete_fields:
        if f.attname == "history_id":
            continue
        columns.append(quote(f.column))
        if f.attname in order_columns:
            selects.append(quote(ControlOrder._meta.get_field(f.attname).column))
        elif f.attname in given:
            selects.append("%s")
            values.append(given[f.attname])
        else:
            raise RuntimeError(f"history column {f.attname} has no value in a profile switch")
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608 - model tables and columns
        f"SELECT {', '.join(selects)} FROM {quote(ControlOrder._meta.db_table)} WHERE id {id_condition}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*values, *params])


# ---------------------------------------------------------------------------
# Capability 7: checkpoints (卡口): passages of vehicles and people, and the arrivals they register
# ---------------------------------------------------------------------------

MAX_PASSENGERS = 80  # a full coach and then some
_COLOURS = ("green", "yellow", "red")
_OUTCOMES = ("let_through", "turned_back", "medical")


@dataclass
class PassengerIn:
    """One row of the entry screen (or of an API body), as typed. Blank origin/destination: the passage's."""

    name: str = ""
    id_type: str = "resident_id"
    id_number: str = ""
    phone: str = ""
    temperature: object = None
    colour: str = ""
    health_code_token: str = ""
    origin: str = ""
    destination: str = ""
    category: str = "returnee"
    negative_test_date: dt.date | None = None
    outcome: str = ""


@dataclass
class _Place:
    """A destination in the city: an area node, or a household (and its node)."""

    code: str
    area: object
    household: Household | None = None


@dataclass
class _Row:
    given: PassengerIn
    clean: object  # people.validation.CleanPerson
    temperature: Decimal
    fever: bool
    colour: str
    code: HealthCode | None
    outcome: str
    origin_code: str
    origin_name: str
    place: _Place | None
    matched: Person | None


def checkpoint_create(*, by, area, name: str, channel: str, location: str = "", active: bool = True,
                      responsible_name: str = "", responsible_phone: str = ""):
    """Open a checkpoint under a county or township of the user's subtree (city command and districts)."""
    from fangkong.areas.codes import Level
    from fangkong.control.models import Checkpoint
    from fangkong.core.ids import normalize_mobile

    require(by, actions.CHECKPOINT_MANAGE, area.code)
    errors: dict[str, str] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = _("required")
    elif len(name) > 100:
        errors["name"] = _("at most 100 characters")
    elif Checkpoint.objects.filter(area=area, name=name).exists():
        errors["name"] = _("this area has a checkpoint of that name already")
    if channel not in Checkpoint.Channel.values:
        errors["channel"] = _("must be one of %(choices)s") % {"choices": ", ".join(Checkpoint.Channel.values)}
    if area.level not in (Level.COUNTY, Level.TOWNSHIP):
        errors["area_code"] = _("a checkpoint belongs to a county or a township")
    phone = (responsible_phone or "").strip()
    if phone and normalize_mobile(phone) is None and not phone.replace("-", "").isdigit():
        errors["responsible_phone"] = _("not a phone number")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        checkpoint = Checkpoint.objects.create(
            name=name, channel=channel, area=area, area_code=area.code, location=(location or "").strip()[:200],
            active=active, responsible_name=(responsible_name or "").strip()[:50], responsible_phone=phone[:20],
        )
        audit.record(by, actions.CHECKPOINT_MANAGE, obj=checkpoint, changes={
            "name": name, "channel": channel, "active": active, "responsible_phone": checkpoint.responsible_phone})
        return checkpoint


def _parse_temperature(value) -> tuple[Decimal | None, str]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, _("required")
    try:
        temp = Decimal(str(value).strip().replace("，", ".").replace(",", ".")).quantize(Decimal("0.1"))
    except ArithmeticError:
        return None, _("not a number")
    if not Decimal("34.0") <= temp <= Decimal("43.0"):
        return None, f"{temp} °C is not a body temperature (34–43 °C)"
    return temp, ""


def _origin_of(text: str) -> tuple[str, str, str]:
    """(code, name, error) from what was typed: a division code (any in the country) or a place's name."""
    from fangkong.areas.models import Area
    from fangkong.core.ids import to_halfwidth
    from fangkong.risk.rows import short_code

    text = " ".join(to_halfwidth(text or "").split())
    if not text:
        return "", "", _("required: where the person comes from")
    if not text.isdigit():
        return "", text[:200], ""
    if len(text) not in (2, 4, 6, 9, 12):
        return "", "", _("a division code has 2, 4, 6, 9 or 12 digits")
    code = short_code(text)
    name = (Area.objects.filter(code=code).values_list("name", flat=True).first()
            or RiskArea.objects.filter(division_code=code).values_list("region_name", flat=True).first() or code)
    return code, name, ""


def _place_of(text: str, city_code: str) -> tuple[_Place | None, str]:
    """A destination in the city: an area code, or a household code (which names the household's node too)."""
    from fangkong.areas.models import Area
    from fangkong.risk.rows import short_code

    code = "".join((text or "").split())
    if not code:
        return None, ""
    if not code.isdigit():
        return None, _("give the code of a township, village or grid of the city (choose from the list)")
    code = short_code(code) if len(code) == 12 else code
    if not code.startswith(city_code):
        return None, _("not in this city")
    area = Area.objects.filter(code=code).first()
    if area is not None:
        if len(code) < 9:
            return None, _("give a township, village or grid: a county is too coarse to route the arrival")
        return _Place(code, area), ""
    household = Household.objects.select_related("area").filter(code=code).first()
    if household is not None:
        return _Place(household.area_code, household.area, household), ""
    return None, _("no such area or household in the city")


def _local_day(at: dt.datetime) -> dt.date:
    from fangkong.core.clock import SHANGHAI

    return at.astimezone(SHANGHAI).date()


def _check_passengers(checkpoint, rows: list[PassengerIn], *, group_origin: str, group_destination: str,
                      fever_at: Decimal, errors: dict[str, str]) -> list[_Row]:
    from fangkong.core.crypto import lookup_hash
    from fangkong.healthcodes.selectors import health_code_by_token
    from fangkong.people.services import person_find_by_document
    from fangkong.people.validation import PersonInvalid, clean_person

    city_code = checkpoint.area_code[:4]
    origins: dict[str, tuple[str, str, str]] = {}
    places: dict[str, tuple[_Place | None, str]] = {}
    seen_documents: dict[tuple[str, str], int] = {}
    out: list[_Row] = []
    for index, given in enumerate(rows):
        prefix = f"passengers.{index}."
        row_errors: dict[str, str] = {}
        try:
            clean = clean_person(name=given.name, id_type=given.id_type or "resident_id", id_number=given.id_number,
                                 phone=given.phone)
        except PersonInvalid as exc:
            row_errors.update({k: str(v) for k, v in exc.errors.items()})
            clean = None
        if clean is not None and clean.id_number:
            key = (clean.id_type, clean.id_number)
            if key in seen_documents:
                row_errors["id_number"] = _("the same document as person %(n)d") % {"n": seen_documents[key] + 1}
            seen_documents.setdefault(key, index)
        temp, reason = _parse_temperature(given.temperature)
        if reason:
            row_errors["temperature"] = reason
        matched = person_find_by_document(id_type=clean.id_type, id_number=clean.id_number) if clean and clean.id_number else None
        code = None
        colour = (given.colour or "").strip()
        token = (given.health_code_token or "").strip()
        if token:
            code = health_code_by_token(token)
            if code is None:
                row_errors["health_code_token"] = _("no such health code")
            elif clean is not None and clean.id_number and code.person.id_number_hash and (
                    (code.person.id_type, code.person.id_number_hash) != (clean.id_type, lookup_hash(clean.id_number))):
                row_errors["health_code_token"] = _("this health code belongs to someone else")
            else:
                colour = code.colour
        elif colour not in _COLOURS:
            row_errors["colour"] = _("choose the colour of the code shown: green, yellow or red")
        fever = temp is not None and temp >= fever_at
        outcome = (given.outcome or "").strip()
        if outcome and outcome not in _OUTCOMES:
            row_errors["outcome"] = _("must be one of %(choices)s") % {"choices": ", ".join(_OUTCOMES)}
        elif (fever or colour == "red") and outcome not in ("", "medical"):
            why = (_("%(temp)s °C is a fever (from %(fever_at)s °C)") % {"temp": temp, "fever_at": fever_at}
                   if fever else _("a red code"))
            row_errors["outcome"] = _("%(why)s: hand the person to medical staff") % {"why": why}
        outcome = outcome or ("medical" if fever or colour == "red" else "let_through")
        given.category = given.category or "returnee"
        if given.category not in arrival_categories():
            row_errors["category"] = _("must be one of %(choices)s") % {"choices": ", ".join(arrival_categories())}
        if given.negative_test_date and given.negative_test_date > local_today():
            row_errors["negative_test_date"] = _("the test date is in the future")
        origin_text = given.origin or group_origin
        if origin_text not in origins:
            origins[origin_text] = _origin_of(origin_text)
        origin_code, origin_name, reason = origins[origin_text]
        if not reason and not origin_code and origin_name and given.category in arrival_categories():
            # A typed place that names no single division must not be planned as "no risk" (issue 11 §8).
            answer = risk_level_on(on=local_today(), name=origin_name)
            if origin_unclear(answer, category=given.category, arrived_on=local_today(),
                              negative_test_date=given.negative_test_date):
                reason = origin_problem(origin_name, answer)
        if reason:
            errors[(prefix + "origin") if given.origin else "origin"] = reason
        destination_text = given.destination or group_destination
        if destination_text not in places:
            places[destination_text] = _place_of(destination_text, city_code)
        place, reason = places[destination_text]
        if reason:
            errors[(prefix + "destination") if given.destination else "destination"] = reason
        errors.update({prefix + k: v for k, v in row_errors.items()})
        if not row_errors and clean is not None:
            out.append(_Row(given, clean, temp, fever, colour, code, outcome, origin_code, origin_name, place, matched))
    return out


def passage_record(
    *,
    by,
    checkpoint,
    passengers: list[PassengerIn],
    plate: str = "",
    trip_number: str = "",
    origin: str = "",
    destination: str = "",
    at: dt.datetime | None = None,
    note: str = "",
):
    """Record one stop at a checkpoint: the vehicle (or group on foot) and every person checked in it.

    Each person gets a temperature, a health-code colour (seen, or looked up by the code's token
    through the verification log) and an outcome; a fever or a red code is handed to medical
    staff. A person let through to a destination in the city is registered as an arrival in the
    same transaction (matched to the registered person by document, or registered anew), routed
    to the destination's responsible worker and put under the plan in force. Everything or
    nothing is written; bad input raises InvalidInput naming each field (`passengers.N.field`).
    """
    from django.db import IntegrityError

    from fangkong.control.models import Checkpoint, Passage, Passenger
    from fangkong.control.plates import check_plate
    from fangkong.people.services import set_document, set_phone
    from fangkong.people.validation import PersonInvalid

    require(by, actions.PASSAGE_RECORD, checkpoint.area_code)
    now = timezone.now()
    at = at or now
    errors: dict[str, str] = {}
    if not checkpoint.active:
        errors["checkpoint"] = _("this checkpoint is closed")
    if timezone.is_naive(at):
        errors["at"] = _("give the time with its time zone")
    elif at > now + dt.timedelta(minutes=5):
        errors["at"] = _("the time is in the future")
    plate_text = (plate or "").strip()
    if plate_text:
        checked = check_plate(plate_text)
        if not checked.valid:
            errors["plate"] = _("not a mainland plate: %(reason)s") % {"reason": checked.reason_in(_)}
        plate_text = checked.normalized
    elif checkpoint.channel not in Checkpoint.FOOT_CHANNELS:
        errors["plate"] = _("required at a highway or road checkpoint")
    trip_number = "".join((trip_number or "").split()).upper()
    if len(trip_number) > 20:
        errors["trip_number"] = _("at most 20 characters")
    if not passengers:
        errors["passengers"] = _("give at least one person")
    elif len(passengers) > MAX_PASSENGERS:
        errors["passengers"] = _("at most %(n)d people in one passage") % {"n": MAX_PASSENGERS}
    profile = active_profile()
    rows = _check_passengers(checkpoint, list(passengers)[:MAX_PASSENGERS], group_origin=origin,
                             group_destination=destination, fever_at=Decimal(str(profile.escalation.fever_celsius)),
                             errors=errors)
    if errors:
        raise InvalidInput(errors)
    arrived_on = _local_day(at)
    try:
        with transaction.atomic():
            passage = Passage.objects.create(
                checkpoint=checkpoint, area_code=checkpoint.area_code, at=at, plate=plate_text, trip_number=trip_number,
                note=(note or "").strip()[:200], entered_by=by if getattr(by, "pk", None) else None, entered_at=now,
            )
            for seq, row in enumerate(rows, start=1):
                person, arrival = row.matched, None
                if row.outcome == "let_through" and row.place is not None:
                    try:
                        person, arrival = _arrival_from_checkpoint(by, checkpoint, row, arrived_on, plate_text or trip_number)
                    except PersonInvalid as exc:  # registered by someone else since the check above
                        raise InvalidInput({f"passengers.{seq - 1}.{k}": str(v) for k, v in exc.errors.items()}) from exc
                if row.code is not None:
                    verification_record(by=by, device=f"checkpoint:{checkpoint.pk}", code=row.code)
                passenger = Passenger(
                    passage=passage, checkpoint=checkpoint, area_code=checkpoint.area_code, at=at, seq=seq,
                    name=row.clean.name, origin_code=row.origin_code, origin_name=row.origin_name,
                    destination_code=row.place.household.code if row.place and row.place.household else (row.place.code if row.place else ""),
                    temperature=row.temperature, fever=row.fever, colour=row.colour, code_scanned=row.code is not None,
                    outcome=row.outcome, person=person, arrival=arrival,
                )
                set_document(passenger, id_type=row.clean.id_type, id_number=row.clean.id_number)
                set_phone(passenger, row.clean.phone)
                passenger.save()
            audit.record(by, actions.PASSAGE_RECORD, obj=passage, count=len(rows), changes={
                "checkpoint": checkpoint.pk, "plate": plate_text, "outcomes": [r.outcome for r in rows]})
    except IntegrityError as exc:
        # Two checkpoints registered the same new person at the same moment: the other one won.
        raise InvalidInput({"passengers": "a person was registered by someone else meanwhile; save again"}) from exc
    return passage


def _arrival_from_checkpoint(by, checkpoint, row: _Row, arrived_on: dt.date, transport_number: str) -> tuple[Person, Arrival]:
    """Register the arrival of a person let through to a destination in the city (inside the passage's transaction).

    The checkpoint reports for the whole city, like the public self-declaration page: the
    destination need not lie in the recording user's own area, so the arrival is registered
    by the system (by=None) and marked as reported by the user.
    """
    from fangkong.people.services import person_register

    place = row.place
    person = row.matched
    if person is None:
        person = person_register(
            area=place.area, household=place.household, name=row.clean.name, id_type=row.clean.id_type,
            id_number=row.clean.id_number, phone=row.clean.phone,
        )
    household = place.household
    if household is None and person.household_id and person.household.area_code.startswith(place.code):
        household = person.household  # going home: the household's own worker takes it up
    arrival = arrival_register(
        by=by, action=actions.PASSAGE_RECORD, person=person, household=household, destination_code=place.code,
        category=row.given.category,
        origin_code=row.origin_code, origin_name=row.origin_name, arrived_on=arrived_on, source=Arrival.Source.CHECKPOINT,
        route=checkpoint.name, transport={"airport": "plane", "railway": "train"}.get(checkpoint.channel, "car"),
        transport_number=transport_number, negative_test_date=row.given.negative_test_date,
    )
    return person, arrival


# ---------------------------------------------------------------------------
# Capability 2 and 4, public pages: self-declaration by QR poster, personal check-in links
# ---------------------------------------------------------------------------


@dataclass
class DeclarationInput:
    """A self-declaration as the public form cleaned it."""

    name: str
    id_type: str
    id_number: str
    phone: str
    category: str  # inbound (from abroad) or returnee (the origin's risk level decides the rest)
    origin_code: str
    origin_name: str
    arrived_on: dt.date
    address: str
    building_code: str = ""
    route: str = ""
    transport: str = "other"
    transport_number: str = ""
    negative_test_date: dt.date | None = None
    released_from_centralized_isolation: bool = False


@dataclass
class DeclarationOutcome:
    declaration: SelfDeclaration
    plan: Plan
    updated: bool  # an earlier declaration of the same document to the same community was updated
    origin_pending: bool = False  # the origin named no single division: a worker decides, the page says so


def _address_key(text: str) -> str:
    from fangkong.core.ids import to_halfwidth

    return "".join(to_halfwidth(text or "").split())


def _declared_household(community: Area, building_code: str, address: str, person: Person | None) -> Household | None:
    """The household a declared address names, only when exactly one in the community fits.

    Exact address, or its ending (at least 5 characters: "1单元201室") within the chosen building.
    Otherwise a matched person's own household, when it lies in this community. Nothing about
    the outcome reaches the public page: it answers the same whether an address resolved or not.
    """
    key = _address_key(address)
    under = building_code if building_code.startswith(community.code) and building_code != community.code else community.code
    if key:
        candidates = Household.objects.filter(subtree_q(under), address__contains=key).only("pk", "address", "area_code")[:50]
        exact = [h for h in candidates if _address_key(h.address) == key]
        ending = [h for h in candidates if _address_key(h.address).endswith(key)] if len(key) >= 5 else []
        for matches in (exact, ending):
            if len(matches) == 1:
                return Household.objects.select_related("area", "responsible").get(pk=matches[0].pk)
    if person is not None and person.household_id and person.household.area_code.startswith(community.code):
        return person.household
    return None


def _person_for_declaration(clean, *, area: Area, household: Household | None) -> tuple[Person, bool]:
    """The live person with this document, or a new one; safe against two declarations racing to create it."""
    from django.db import IntegrityError

    from fangkong.people.services import person_find_by_document, person_register
    from fangkong.people.validation import PersonInvalid

    found = person_find_by_document(id_type=clean.id_type, id_number=clean.id_number)
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            person = person_register(area=area, household=household, name=clean.name, id_type=clean.id_type,
                                     id_number=clean.id_number, phone=clean.phone)
        return person, True
    except (IntegrityError, PersonInvalid):
        found = person_find_by_document(id_type=clean.id_type, id_number=clean.id_number)
        if found is None:
            raise
        return found, False


def _declaration_facts(person: Person, data: DeclarationInput, risk: str | None) -> Facts:
    return Facts(id=str(person.pk), category=data.category, origin_risk=risk, arrival_date=data.arrived_on,
                 negative_test_date=data.negative_test_date,
                 released_from_centralized_isolation=data.released_from_centralized_isolation)


def declaration_submit(*, community: Area, data: DeclarationInput) -> DeclarationOutcome:
    """A self-declaration from the public page: register (or, within the idempotency window, update) the arrival.

    The person is matched by document or created; the arrival goes to the responsible worker of the
    household when the address resolves, else to the community's responsible person, flagged
    "household to be confirmed". No user: the signed community token was the caller's credential.
    """
    from fangkong.areas.codes import Level
    from fangkong.core.crypto import lookup_hash, seal
    from fangkong.core.masking import mask_phone
    from fangkong.people.services import person_find_by_document
    from fangkong.people.validation import PersonInvalid, clean_person

    require(PUBLIC, actions.DECLARATION_SUBMIT, community.code)
    if community.level != Level.VILLAGE:
        raise InvalidInput({"community": "declarations are made to a community or village"})
    clean = clean_person(name=data.name, id_type=data.id_type, id_number=data.id_number, phone=data.phone)
    if not clean.phone:
        raise PersonInvalid({"phone": "a mobile number is required"})
    errors: dict[str, str] = {}
    if data.category not in ("inbound", "returnee"):
        errors["category"] = "must be inbound or returnee"
    _check_dates(errors, arrived_on=data.arrived_on, negative_test_date=data.negative_test_date)
    if errors:
        raise InvalidInput(errors)
    window = dt.timedelta(hours=settings.FANGKONG_PUBLIC["IDEMPOTENCY_HOURS"])
    now = timezone.now()
    origin_pending = not data.origin_code and origin_unclear(
        risk_level_on(on=data.arrived_on, name=data.origin_name), category=data.category, arrived_on=data.arrived_on,
        negative_test_date=data.negative_test_date,
        released_from_centralized_isolation=data.released_from_centralized_isolation)
    with transaction.atomic():
        matched = person_find_by_document(id_type=clean.id_type, id_number=clean.id_number)
        household = _declared_household(community, data.building_code, data.address, matched)
        person, created = _person_for_declaration(
            clean, area=household.area if household is not None else community, household=household)
        # One declaration of a person at a time: a double submit waits here, then finds the first one.
        person = Person.objects.select_for_update(of=("self",)).select_related("household").get(pk=person.pk)
        earlier = (SelfDeclaration.objects.select_for_update(of=("self",)).select_related("arrival")
                   .filter(person=person, community_code=community.code, submitted_at__gte=now - window)
                   .order_by("-submitted_at").first())
        contact = {"declared_name": clean.name, "phone_sealed": seal(clean.phone), "phone_hash": lookup_hash(clean.phone),
                   "phone_masked": mask_phone(clean.phone), "building_code": data.building_code[:24],
                   "address_text": clean_line(data.address)[:200]}
        if earlier is None:
            arrival = arrival_register(
                by=None, action=actions.DECLARATION_SUBMIT, person=person, household=household,
                destination_code=community.code, category=data.category, place_order=created and not origin_pending,
                origin_name=data.origin_name, origin_code=data.origin_code, arrived_on=data.arrived_on,
                source=Arrival.Source.SELF_DECLARATION, route=data.route, transport=data.transport,
                transport_number=data.transport_number, negative_test_date=data.negative_test_date,
                released_from_centralized_isolation=data.released_from_centralized_isolation,
            )
            declaration = SelfDeclaration.objects.create(
                arrival=arrival, person=person, community_code=community.code, area_code=arrival.area_code,
                person_created=created, household_pending=household is None, identity_pending=not created,
                origin_pending=origin_pending, **contact,
            )
        else:
            declaration = _declaration_update(earlier, person=person, data=data, household=household, contact=contact,
                                              origin_pending=origin_pending)
            audit.record(PUBLIC, actions.DECLARATION_SUBMIT, obj=declaration, reason="declaration updated",
                         changes={"arrived_on": data.arrived_on, "category": data.category})
        plan = evaluate(active_profile(), Facts.model_validate(_arrival_facts(declaration.arrival)))
    return DeclarationOutcome(declaration, plan, updated=earlier is not None, origin_pending=origin_pending)


def _arrival_facts(arrival: Arrival) -> dict:
    return Facts(
        id=str(arrival.person_id), category=arrival.category, origin_risk=arrival.origin_risk or None,
        arrival_date=arrival.arrived_on, negative_test_date=arrival.negative_test_date,
        released_from_centralized_isolation=arrival.released_from_centralized_isolation,
    ).model_dump(mode="json")


def _declaration_update(declaration: SelfDeclaration, *, person: Person, data: DeclarationInput,
                        household: Household | None, contact: dict, origin_pending: bool = False) -> SelfDeclaration:
    """A second declaration within the window corrects the first: same arrival, same order, re-derived if needed."""
    arrival = declaration.arrival
    risk = risk_level_on(on=data.arrived_on, code=data.origin_code, name="" if data.origin_code else data.origin_name).level
    arrival.category, arrival.origin_code, arrival.origin_name = data.category, data.origin_code, data.origin_name.strip()
    arrival.origin_risk, arrival.route, arrival.transport = risk or "", data.route, data.transport
    arrival.transport_number, arrival.arrived_on = data.transport_number, data.arrived_on
    arrival.negative_test_date = data.negative_test_date
    arrival.released_from_centralized_isolation = data.released_from_centralized_isolation
    arrival.save()
    for key, value in contact.items():
        setattr(declaration, key, value)
    declaration.submissions += 1
    declaration.updated_at = timezone.now()
    # A correction may name the origin clearly; one that makes it unclear waits for the worker from now on.
    declaration.origin_pending = origin_pending
    declaration.save()
    if declaration.household_pending and household is not None:
        _route_declaration(declaration, household, by=None)
    if declaration.identity_pending or declaration.origin_pending:
        return declaration  # no order yet: the worker's confirmation places it from the corrected facts
    facts = _declaration_facts(person, data, risk)
    profile = active_profile()
    plan = evaluate(profile, facts)
    order = arrival.orders.filter(status__in=ControlOrder.OPEN).prefetch_related("measures", "tests").first()
    if order is None:
        if plan.measures:
            order_from_facts(person=person, facts=facts, arrival=arrival, owner=arrival.routed_to, profile=profile)
    else:
        order.facts, order.category = facts.model_dump(mode="json"), data.category
        order.save(update_fields=["facts", "category"])
        order_rederive(order=order, profile=profile, plan=plan, by=None)
        transaction.on_commit(lambda: health_code_refresh(person=person))
    return declaration


def _route_declaration(declaration: SelfDeclaration, household: Household, *, by) -> None:
    """Point a declaration's arrival, its orders and their records at a household, and route to its worker."""
    arrival = declaration.arrival
    owner = _responsible_for(household.area_code, household)
    code = household.area_code
    arrival.household, arrival.area_code, arrival.routed_to, arrival.routed_at = household, code, owner, timezone.now()
    arrival.save(update_fields=["household", "area_code", "routed_to", "routed_at"])
    for order in arrival.orders.all():
        order.area_code = code
        if order.is_open:
            order.owner = owner
        order.save(update_fields=["area_code", "owner"])
        for related in (order.tests, order.checkins, order.escalations, order.checkin_links):
            related.update(area_code=code)
    person = declaration.person
    if declaration.person_created and person.household_id is None:
        person.household, person.area, person.area_code = household, household.area, code
        person.save()
        codes_follow_person(person)
    declaration.area_code, declaration.household_pending = code, False
    declaration.confirmed_by, declaration.confirmed_at = by, timezone.now()
    declaration.save(update_fields=["area_code", "household_pending", "confirmed_by", "confirmed_at"])


def declaration_household_confirm(*, by, declaration: SelfDeclaration, household: Household) -> SelfDeclaration:
    """The worker names the household of a declaration whose address did not resolve; the arrival is re-routed."""
    require(by, actions.DECLARATION_CONFIRM, declaration.area_code)
    errors: dict[str, str] = {}
    if not declaration.household_pending:
        errors["household"] = "the household of this declaration is already confirmed"
    elif not household.area_code.startswith(declaration.community_code):
        errors["household"] = "the household is not in the community the person declared"
    elif not in_scope(by, household.area_code):
        errors["household"] = "outside your area"
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        before = declaration.area_code
        _route_declaration(declaration, household, by=by)
        audit.record(by, actions.DECLARATION_CONFIRM, obj=declaration, changes={
            "area_code": [before, declaration.area_code], "household": household.pk})
    return declaration


def declaration_identity_confirm(*, by, declaration: SelfDeclaration) -> SelfDeclaration:
    """The worker confirms that a declaration matched to a registered person was made by that person: only now
    does the arrival place its order (and the person's code follow it)."""
    require(by, actions.DECLARATION_CONFIRM, declaration.area_code)
    with transaction.atomic():
        declaration = SelfDeclaration.objects.select_for_update().select_related("arrival", "person").get(pk=declaration.pk)
        if not declaration.identity_pending:
            raise InvalidInput({"declaration": _("this declaration is confirmed already")})
        arrival = declaration.arrival
        order = None
        if not declaration.origin_pending:  # else the origin's confirmation places it
            facts = Facts.model_validate(_arrival_facts(arrival))
            order = order_from_facts(person=declaration.person, facts=facts, arrival=arrival, owner=arrival.routed_to)
        declaration.identity_pending = False
        declaration.confirmed_by, declaration.confirmed_at = by, timezone.now()
        declaration.save(update_fields=["identity_pending", "confirmed_by", "confirmed_at"])
        audit.record(by, actions.DECLARATION_CONFIRM, obj=declaration, reason="person confirmed",
                     changes={"order": order.pk if order else None, "rule": order.rule_id if order else None})
    return declaration


def declaration_origin_confirm(*, by, declaration: SelfDeclaration, origin_code: str) -> SelfDeclaration:
    """The worker names the division a declaration's typed origin meant (asked of the person): the arrival takes
    its code and risk level, and, once the person is confirmed too, its order is placed."""
    from fangkong.areas import gazetteer

    require(by, actions.DECLARATION_CONFIRM, declaration.area_code)
    origin_code = (origin_code or "").strip()
    if origin_code not in gazetteer.full_names():
        raise InvalidInput({"origin_code": _("not a division code of the country (province, city or county)")})
    with transaction.atomic():
        declaration = SelfDeclaration.objects.select_for_update().select_related("arrival", "person").get(pk=declaration.pk)
        if not declaration.origin_pending:
            raise InvalidInput({"declaration": _("this declaration's origin is confirmed already")})
        arrival = declaration.arrival
        answer = risk_level_on(on=arrival.arrived_on, code=origin_code)
        arrival.origin_code, arrival.origin_risk = origin_code, answer.level or ""
        arrival.save(update_fields=["origin_code", "origin_risk"])
        order = None
        if not declaration.identity_pending:
            facts = Facts.model_validate(_arrival_facts(arrival))
            order = order_from_facts(person=declaration.person, facts=facts, arrival=arrival, owner=arrival.routed_to)
        declaration.origin_pending = False
        declaration.confirmed_by, declaration.confirmed_at = by, timezone.now()
        declaration.save(update_fields=["origin_pending", "confirmed_by", "confirmed_at"])
        audit.record(by, actions.DECLARATION_CONFIRM, obj=declaration, reason="origin confirmed",
                     changes={"origin_code": origin_code, "origin_risk": arrival.origin_risk,
                              "order": order.pk if order else None})
    return declaration


def poster_rotate(*, by, community: Area) -> DeclarationPoster:
    """Void every printed QR poster of a community: its token gets a new generation."""
    require(by, actions.POSTER_ROTATE, community.code)
    with transaction.atomic():
        poster, _ = DeclarationPoster.objects.select_for_update().get_or_create(area_code=community.code)
        poster.generation += 1
        poster.rotated_at, poster.rotated_by = timezone.now(), by
        poster.save()
        audit.record(by, actions.POSTER_ROTATE, obj=poster, changes={"generation": poster.generation})
    return poster


def checkin_link_issue(*, by, order: ControlOrder) -> CheckinLink:
    """A new personal check-in link for an open order; any earlier link of the order stops working."""
    import secrets

    require(by, actions.CHECKIN_LINK_MANAGE, order.area_code)
    if not order.is_open:
        raise InvalidInput({"order": f"the order is {order.status}; links are for open orders"})
    now = timezone.now()
    expires = now + dt.timedelta(days=settings.FANGKONG_PUBLIC["CHECKIN_LINK_DAYS"])
    with transaction.atomic():
        order.checkin_links.filter(revoked_at__isnull=True).update(revoked_at=now)
        link = CheckinLink.objects.create(order=order, area_code=order.area_code, nonce=secrets.token_urlsafe(16),
                                          created_by=by if getattr(by, "pk", None) else None, expires_at=expires)
        audit.record(by, actions.CHECKIN_LINK_MANAGE, obj=link, reason="issued",
                     changes={"order": order.pk, "expires_at": expires})
        return link


def checkin_link_revoke(*, by, link: CheckinLink) -> CheckinLink:
    require(by, actions.CHECKIN_LINK_MANAGE, link.area_code)
    with transaction.atomic():
        if link.revoked_at is None:
            link.revoked_at = timezone.now()
            link.save(update_fields=["revoked_at"])
            audit.record(by, actions.CHECKIN_LINK_MANAGE, obj=link, reason="revoked")
    return link


def checkin_link_state(link: CheckinLink, *, at: dt.datetime | None = None) -> str:
    """"ok", or why the link no longer works: "revoked", "expired" or "closed" (the order is not open)."""
    at = at or timezone.now()
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= at:
        return "expired"
    if not link.order.is_open:
        return "closed"
    return "ok"


def checkin_self_record(*, link: CheckinLink, temperature, symptoms: list[str] | None = None) -> CheckIn:
    """A check-in by the person through their link (source = self); fever or symptoms escalate as usual."""
    state = checkin_link_state(link)
    if state != "ok":
        raise InvalidInput({"link": f"the link is {state}"})
    with transaction.atomic():
        checkin = checkin_record(by=None, order=link.order, temperature=temperature, symptoms=symptoms, self_reported=True)
        link.last_used_at = timezone.now()
        link.save(update_fields=["last_used_at"])
    return checkin


