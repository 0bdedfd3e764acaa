"""The policy engine: a pure function of (profile, facts) -> an explained order plan.

Day arithmetic: a measure's `start` is its day 1 and `end` its last day,
inclusive; test day N is start + N - 1; each measure starts the day after the
previous one ends. For arrivals day 1 is the arrival date; for contacts it is
the day after the last exposure.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
)
from pydantic.json_schema import WithJsonSchema

from fangkong.core.dates import plausible

from .profile import Profile, RiskLevel, Rule

ONE_DAY = dt.timedelta(days=1)


def _written_day(value: Any) -> Any:
    # Facts come as JSON (the API, the CLI): pydantic alone would also read 0 or "1700000000" as a Unix time.
    if isinstance(value, dt.date) or (isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


# A fact's day: YYYY-MM-DD within core.dates' range (the plan's day arithmetic must not overflow).
Day = Annotated[dt.date, BeforeValidator(_written_day), AfterValidator(plausible),
                WithJsonSchema({"type": "string", "format": "date", "pattern": r"^(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}$"})]


class Facts(BaseModel):
    """What is known about one person, as the CLI contract and the control services give it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    category: str
    origin_risk: RiskLevel | None = None
    arrival_date: Day | None = None
    last_exposure_date: Day | None = None
    negative_test_date: Day | None = None
    released_from_centralized_isolation: StrictBool = False  # JSON true or false, not 0 or "yes"
    # The day the person was taken under control. Test days already past then cannot be kept: they become one
    # catch-up test on this day (as seed-2021 adds its test days), instead of tests missed at once.
    registered_on: Day | None = None


class FactsInvalid(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class PlannedMeasure:
    measure: str
    start: dt.date
    end: dt.date
    test_days: tuple[dt.date, ...]

    def as_dict(self) -> dict:
        return {
            "measure": self.measure,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "test_days": [d.isoformat() for d in self.test_days],
        }


@dataclass(frozen=True)
class Plan:
    id: str
    rule_id: str
    measures: tuple[PlannedMeasure, ...]
    requires_negative_test_within_days: int | None
    refused_entry: bool
    explanation: str
    checkins_per_day: int = 1
    release_requires: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        """The CLI contract's shape."""
        return {
            "id": self.id,
            "measures": [m.as_dict() for m in self.measures],
            "requires_negative_test_within_days": self.requires_negative_test_within_days,
            "refused_entry": self.refused_entry,
            "explanation": self.explanation,
        }


def parse_facts(items: list[dict]) -> list[Facts]:
    """Validate a list of fact objects; every problem names the item (by id or index) and the field."""
    if not isinstance(items, list):
        raise FactsInvalid(["input must be a JSON list of objects"])
    out, problems = [], []
    for index, item in enumerate(items):
        label = f"[{index}]"
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            label = f"[{index}] id={item['id']}"
        try:
            out.append(Facts.model_validate(item))
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"]) or "(item)"
                problems.append(f"{label}: {where}: {err['msg'].removeprefix('Value error, ')}")
    if problems:
        raise FactsInvalid(problems)
    return out


def _matches(rule: Rule, facts: Facts) -> bool:
    cond = rule.when
    categories = cond.categories()
    if categories is not None and facts.category not in categories:
        return False
    risks = cond.risks()
    if risks is not None and facts.origin_risk not in risks:
        return False
    released = cond.released_from_centralized_isolation
    return released is None or released == facts.released_from_centralized_isolation


def _has_valid_negative_test(facts: Facts, within_days: int) -> bool:
    if facts.negative_test_date is None or facts.arrival_date is None:
        return False
    # "A negative test within 7 days" (7日内核酸阴性证明): taken on the arrival day or up to 7 days before.
    return dt.timedelta(0) <= facts.arrival_date - facts.negative_test_date <= dt.timedelta(days=within_days)


def evaluate(profile: Profile, facts: Facts) -> Plan:
    """The plan for one person. Raises FactsInvalid when the facts cannot anchor the plan."""
    category = profile.categories.get(facts.category)
    if category is None:
        known = ", ".join(sorted(profile.categories))
        raise FactsInvalid([f"id={facts.id}: category: unknown category {facts.category!r} (known: {known})"])
    rule = next(r for r in profile.rules if _matches(r, facts))  # the last rule matches everything
    explanation = [f"{profile.name} v{profile.version} rule {rule.id}: {rule.explain}"]

    extra_tests: tuple[int, ...] = ()
    if rule.requires_negative_test_within_days is not None:
        if _has_valid_negative_test(facts, rule.requires_negative_test_within_days):
            explanation.append(f"negative test on {facts.negative_test_date} is within {rule.requires_negative_test_within_days} days")
        elif rule.without_valid_negative_test is not None:
            extra_tests = tuple(rule.without_valid_negative_test.add_test_days)
            explanation.append(rule.without_valid_negative_test.explain or "no valid negative test")

    measures: list[PlannedMeasure] = []
    if rule.measures:
        day_one = _day_one(category.anchor, facts)
        start = day_one
        for index, spec in enumerate(rule.measures):
            days = set(spec.test_days)
            if index == 0:
                days |= set(extra_tests)
            end = start + (spec.days - 1) * ONE_DAY
            tests = tuple(start + (n - 1) * ONE_DAY for n in sorted(days))
            measures.append(PlannedMeasure(spec.measure, start, end, tests))
            start = end + ONE_DAY
        measures = _catch_up(measures, facts.registered_on, explanation)
    return Plan(
        id=facts.id,
        rule_id=rule.id,
        measures=tuple(measures),
        requires_negative_test_within_days=rule.requires_negative_test_within_days,
        refused_entry=rule.refuse_entry,
        explanation="; ".join(explanation),
        checkins_per_day=rule.checkins_per_day,
        release_requires=tuple(rule.release_requires),
    )


def _catch_up(measures: list[PlannedMeasure], registered_on: dt.date | None,
              explanation: list[str]) -> list[PlannedMeasure]:
    """Test days before the registration day become one test on that day, in the measure that spans it (none
    when every measure has ended by then: nothing is owed any more)."""
    if registered_on is None or not any(d < registered_on for m in measures for d in m.test_days):
        return measures
    out = []
    for m in measures:
        days = {d for d in m.test_days if d >= registered_on}
        if m.start <= registered_on <= m.end:
            days.add(registered_on)
        out.append(PlannedMeasure(m.measure, m.start, m.end, tuple(sorted(days))))
    explanation.append(f"test days before {registered_on} (registration) are one catch-up test that day")
    return out


def _day_one(anchor: str, facts: Facts) -> dt.date:
    if anchor == "arrival":
        if facts.arrival_date is None:
            raise FactsInvalid([f"id={facts.id}: arrival_date: required for category {facts.category}"])
        return facts.arrival_date
    if anchor == "exposure":
        if facts.last_exposure_date is None:
            raise FactsInvalid([f"id={facts.id}: last_exposure_date: required for category {facts.category}"])
        return facts.last_exposure_date + ONE_DAY
    raise FactsInvalid([f"id={facts.id}: category: {facts.category} has no anchor date but its rule orders measures"])


def evaluate_all(profile: Profile, items: list[Facts]) -> list[Plan]:
    plans, problems = [], []
    for facts in items:
        try:
            plans.append(evaluate(profile, facts))
        except FactsInvalid as exc:
            problems.extend(exc.problems)
    if problems:
        raise FactsInvalid(problems)
    return plans
