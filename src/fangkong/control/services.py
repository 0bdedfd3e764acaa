"""Writes of control orders: an order from the facts of a person (an arrival, a declaration, a contact), its
check-ins, test results, escalations, release and hospital transfer, the overdue scan and the profile switch."""

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

from fangkong.areas.models import Responsible
from fangkong.control import actions, release
from fangkong.control.models import (
    ActiveProfile,
    CheckIn,
    CheckinLink,
    ControlOrder,
    Escalation,
    OrderMeasure,
    ScheduledTest,
)
from fangkong.control.statuses import overdue_before
from fangkong.core import audit
from fangkong.core.bulkwrite import batches, insert_model_rows, insert_rows
from fangkong.core.clock import today as local_today
from fangkong.core.errors import AlreadyDone, InvalidInput
from fangkong.core.permissions import PUBLIC, SCHEDULER, require
from fangkong.healthcodes.models import HealthCode
from fangkong.healthcodes.services import health_code_refresh, health_codes_refresh
from fangkong.people.models import Household, Person
from fangkong.policy.engine import Facts, FactsInvalid, Plan, evaluate
from fangkong.policy.health import GREEN
from fangkong.policy.profile import Profile, load_profile

# ---------------------------------------------------------------------------
# Policy in force, control orders, check-ins, test results
# ---------------------------------------------------------------------------


KNOWN_SYMPTOMS = ("fever", "cough", "sore_throat", "fatigue", "loss_of_smell", "diarrhoea", "short_breath")




def active_profile() -> Profile:
    from fangkong.policy.selectors import active_profile as in_force

    return in_force()


def _responsible_for(area_code: str, household: Household | None) -> Responsible | None:
    """Who takes up work at a destination (areas.selectors.responsible_for)."""
    from fangkong.areas.selectors import responsible_for

    return responsible_for(area_code, household)


def order_from_facts(*, person: Person, facts: Facts, arrival=None, owner: Responsible | None = None,
                     profile: Profile | None = None) -> ControlOrder | None:
    """Derive the plan and store it as an order with its measures and test days. None when no measure applies.
    `arrival` is the arrivals.Arrival it follows, if any (passed in, so control imports nothing of arrivals)."""
    profile = profile or active_profile()
    if facts.registered_on is None:  # taken under control today: past test days are one catch-up test today
        facts = facts.model_copy(update={"registered_on": local_today()})
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


def _escalate(order: ControlOrder, kind: str, detail: str, *, level: int, test: ScheduledTest | None = None) -> Escalation:
    escalation = Escalation.objects.create(
        order=order, person_id=order.person_id, area_code=order.area_code, kind=kind, detail=detail[:300], level=level,
        scheduled_test=test,
    )
    if order.status in (ControlOrder.Status.ORDERED, ControlOrder.Status.IN_PROGRESS):
        order.status = ControlOrder.Status.ESCALATED
        order.save(update_fields=["status"])
    return escalation


RESULTS = (ScheduledTest.Status.NEGATIVE, ScheduledTest.Status.POSITIVE)


def result_correction_window() -> dt.timedelta:
    """How long whoever recorded a result may still correct it (a wrong button on a phone)."""
    return dt.timedelta(minutes=settings.FANGKONG_RESULT_CORRECTION_MINUTES)


def test_result_record(*, by, test: ScheduledTest, positive: bool, at: dt.datetime | None = None) -> ScheduledTest:
    """A result for a scheduled test. A positive escalates and turns the code red; a negative may complete the order.
    The result keeps who recorded it. No result for a day still to come; a recorded result is changed only as a
    correction, by whoever recorded it and within `result_correction_window()` of it (409 otherwise), and a
    positive corrected to negative closes the escalation it raised. History: the audit events, before and after."""
    require(by, actions.TEST_RESULT_RECORD, test.area_code)
    if test.due_on > local_today():
        raise InvalidInput({"due_on": _("this test's day has not come yet: record its result on or after %(day)s")
                            % {"day": test.due_on.isoformat()}})
    now = timezone.now()
    with transaction.atomic():
        test = ScheduledTest.objects.select_for_update().select_related("order").get(pk=test.pk)
        before = test.status
        after = ScheduledTest.Status.POSITIVE if positive else ScheduledTest.Status.NEGATIVE
        correction = before in RESULTS
        if correction:
            mine = getattr(by, "pk", None) is not None and test.recorded_by_id == by.pk
            if not mine or test.result_at is None or now - test.result_at > result_correction_window():
                raise AlreadyDone(_("a result was recorded already; only whoever recorded it may correct it, within "
                                    "%(minutes)d minutes") % {"minutes": settings.FANGKONG_RESULT_CORRECTION_MINUTES},
                                  field="result")
            if before == after:
                return test
        test.status = after
        test.result_at = at or now
        test.recorded_by = by if getattr(by, "pk", None) else None
        test.save(update_fields=["status", "result_at", "recorded_by"])
        if positive:
            _escalate(test.order, Escalation.Kind.POSITIVE, f"positive test due {test.due_on}", level=3, test=test)
        elif before == ScheduledTest.Status.POSITIVE:
            _withdraw_positive(test, by=by, at=now)
        audit.record(by, actions.TEST_RESULT_RECORD, obj=test, reason="corrected" if correction else "", changes={
            "status": [before, test.status], "due_on": test.due_on, "order": test.order_id, "result_at": test.result_at})
        person = test.order.person
        transaction.on_commit(lambda: health_code_refresh(person=person))
    return test


def _withdraw_positive(test: ScheduledTest, *, by, at: dt.datetime) -> None:
    """A positive corrected to negative: its escalation is closed, and the order is no longer escalated unless
    something else still is."""
    Escalation.objects.filter(scheduled_test=test, kind=Escalation.Kind.POSITIVE, resolved_at__isnull=True).update(
        resolved_at=at, resolved_by=by if getattr(by, "pk", None) else None)  # the audit event says why: corrected
    order = test.order
    if order.status == ControlOrder.Status.ESCALATED and not order.escalations.filter(resolved_at__isnull=True).exists():
        order.status = ControlOrder.Status.IN_PROGRESS
        order.save(update_fields=["status"])


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


