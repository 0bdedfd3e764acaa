"""Policy profiles: versioned YAML files validated into typed objects, with errors that name line and field.

Pure: no Django. A profile says which categories exist, which rule applies to
which facts (first match wins), what each rule orders (measures with durations
and test days), and which statuses colour a health code red or yellow.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

PROFILE_DIR = Path(__file__).parent / "profiles"

MeasureName = Literal["centralized_isolation", "home_isolation", "home_health_monitoring", "self_monitoring", "none"]
RiskLevel = Literal["high", "medium", "low"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MeasureSpec(Strict):
    measure: MeasureName
    days: int = Field(ge=1, le=60)
    test_days: list[int] = []

    @model_validator(mode="after")
    def _test_days_inside(self):
        for day in self.test_days:
            if not 1 <= day <= self.days:
                raise ValueError(f"test day {day} is outside the measure's {self.days} days")
        if sorted(set(self.test_days)) != list(self.test_days):
            raise ValueError("test_days must be increasing without repeats")
        return self


class Condition(Strict):
    category: str | list[str] | None = None
    # Unset means "any"; an explicit null matches facts with no known origin risk.
    origin_risk: RiskLevel | None | list[RiskLevel | None] = None
    released_from_centralized_isolation: bool | None = None

    def categories(self) -> list[str] | None:
        if self.category is None:
            return None
        return [self.category] if isinstance(self.category, str) else list(self.category)

    def risks(self) -> list[str | None] | None:
        if "origin_risk" not in self.model_fields_set:
            return None
        value = self.origin_risk
        return list(value) if isinstance(value, list) else [value]


class MissingTestAdjustment(Strict):
    explain: str = ""
    add_test_days: list[int] = []


class Rule(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    when: Condition
    explain: str
    measures: list[MeasureSpec]
    requires_negative_test_within_days: int | None = Field(default=None, ge=1, le=30)
    without_valid_negative_test: MissingTestAdjustment | None = None
    refuse_entry: bool = False
    checkins_per_day: int = Field(default=1, ge=0, le=6)
    release_requires: list[str] = []
    upgrade_to_category_when_linked_case_positive: str | None = None

    @model_validator(mode="after")
    def _adjustment_needs_requirement(self):
        if self.without_valid_negative_test and self.requires_negative_test_within_days is None:
            raise ValueError("without_valid_negative_test needs requires_negative_test_within_days")
        return self


class Category(Strict):
    label: str
    anchor: Literal["arrival", "exposure", "none"]


class HealthColors(Strict):
    red: list[str]
    yellow: list[str]


class Escalation(Strict):
    """When work is overdue or alarming, and how it climbs the responsibility chain."""

    fever_celsius: float = Field(default=37.3, ge=36.5, le=39.0)
    missed_checkin_hours: int = Field(default=24, ge=1, le=72)
    # A test due on day D is missed when no result is in by the end of D plus these hours.
    missed_test_grace_hours: int = Field(default=6, ge=0, le=48)
    # Hours overdue after which an item is raised to level 1 (village), 2 (township), 3 (county).
    chain_hours: list[int] = Field(default=[0, 12, 24], min_length=3, max_length=3)

    @field_validator("chain_hours")
    @classmethod
    def _increasing(cls, value):
        if value != sorted(value):
            raise ValueError("chain_hours must increase: village, township, county")
        return value


class Arrivals(Strict):
    """The categories a person may be registered under when they arrive (checkpoints, declarations, imports)."""

    categories: list[str] = Field(default=["inbound", "risk_area_arrival", "returnee"], min_length=1)


class HomeVisits(Strict):
    """Measures whose persons the responsible worker visits at home every day (上门), not only by phone."""

    measures: list[MeasureName] = ["home_isolation", "home_health_monitoring"]


class Gatherings(Strict):
    """Events of more than `more_than` people need an approved prevention plan (50人以上集体活动报批),
    decided by the level above the event's area."""

    # At least the documents' 50: the database keeps that floor as a constraint on applications.
    more_than: int = Field(default=50, ge=50, le=100_000)
    decided_by: Literal["level_above"] = "level_above"


class TracingTeams(Strict):
    """The default size rule of an information-comparison tracing team (信息比对流调队伍): a county's between
    `min_members` and `max_members` (none: no maximum), the city level's and the central district's at least
    `central_min_members`, police at least `min_police_share` of the members."""

    min_members: int = Field(default=30, ge=1, le=10_000)
    max_members: int | None = Field(default=50, ge=1, le=10_000)
    central_min_members: int = Field(default=60, ge=1, le=10_000)
    min_police_share: float = Field(default=0.30, ge=0, le=1)

    @model_validator(mode="after")
    def _max_not_below_min(self):
        if self.max_members is not None and self.max_members < self.min_members:
            raise ValueError("max_members must not be below min_members")
        return self


class Profile(Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    version: int = Field(ge=1)
    effective_from: dt.date
    source: str
    parameters: dict[str, int | float | str] = {}
    categories: dict[str, Category]
    health_colors: HealthColors
    escalation: Escalation = Escalation()
    arrivals: Arrivals = Arrivals()
    home_visits: HomeVisits = HomeVisits()
    gatherings: Gatherings = Gatherings()
    tracing_teams: TracingTeams = TracingTeams()
    rules: list[Rule] = Field(min_length=1)

    @field_validator("categories")
    @classmethod
    def _known_core_categories(cls, value):
        missing = {"inbound", "risk_area_arrival", "returnee", "close_contact", "secondary_contact", "resident"} - set(value)
        if missing:
            raise ValueError(f"missing categories: {', '.join(sorted(missing))}")
        return value

    @model_validator(mode="after")
    def _rules_name_known_categories(self):
        seen: set[str] = set()
        for index, rule in enumerate(self.rules):
            if rule.id in seen:
                raise ValueError(f"rules[{index}]: duplicate rule id {rule.id}")
            seen.add(rule.id)
            for category in rule.when.categories() or []:
                if category not in self.categories:
                    raise ValueError(f"rules[{index}] ({rule.id}): unknown category {category!r}")
            target = rule.upgrade_to_category_when_linked_case_positive
            if target and target not in self.categories:
                raise ValueError(f"rules[{index}] ({rule.id}): unknown category {target!r}")
        for category in self.arrivals.categories:
            if category not in self.categories:
                raise ValueError(f"arrivals.categories: unknown category {category!r}")
        if self.rules[-1].when.model_fields_set - {"category"} or self.rules[-1].when.category is not None:
            raise ValueError("the last rule must match everything (when: {}) so every person gets a plan")
        return self


class ProfileError(ValueError):
    """A profile that does not validate: every problem with its line and field."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class _LineLoader(yaml.SafeLoader):
    """Safe YAML loader that remembers the line of every mapping key."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode):
    mapping = loader.construct_mapping(node, deep=True)
    lines = {}
    for key_node, _ in node.value:
        lines[loader.construct_object(key_node)] = key_node.start_mark.line + 1
    mapping["__lines__"] = lines
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(value):
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k not in ("__lines__", "__line__")}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _line_of(tree, loc: tuple) -> int | None:
    line = tree.get("__line__") if isinstance(tree, dict) else None
    node = tree
    for part in loc:
        if isinstance(node, dict) and part in node:
            line = node.get("__lines__", {}).get(part, line)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            if isinstance(node, dict):
                line = node.get("__line__", line)
        else:
            break
    return line


def parse_profile(text: str, source: str = "<profile>") -> Profile:
    try:
        tree = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise ProfileError(source, [f"{where}not valid YAML ({getattr(exc, 'problem', exc)})"]) from exc
    if not isinstance(tree, dict):
        raise ProfileError(source, ["line 1: a profile is a mapping of fields"])
    try:
        return Profile.model_validate(_strip_lines(tree))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "literal["))))
            field = ".".join(str(p) for p in loc) or "(profile)"
            line = _line_of(tree, loc)
            message = err["msg"].removeprefix("Value error, ")
            problems.append(f"line {line}: {field}: {message}" if line else f"{field}: {message}")
        raise ProfileError(source, problems) from None


def load_profile(name_or_path: str | Path) -> Profile:
    """A shipped profile by name (policy/profiles/NAME.yaml) or any profile file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PROFILE_DIR / f"{name_or_path}.yaml"
    if not path.exists():
        shipped = ", ".join(sorted(p.stem for p in PROFILE_DIR.glob("*.yaml")))
        raise ProfileError(str(name_or_path), [f"no such profile (shipped: {shipped})"])
    # Every health-code refresh asks for the profile in force: parse a file once per version of it.
    return _parse_file(str(path.resolve()), path.stat().st_mtime_ns)


@lru_cache(maxsize=16)
def _parse_file(path: str, mtime_ns: int) -> Profile:
    return parse_profile(Path(path).read_text(encoding="utf-8"), source=Path(path).name)


def shipped_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))
