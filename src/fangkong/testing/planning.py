"""Mass-testing arithmetic, with no Django: Dorfman pooling advice and the campaign planner.

Plain data in, plain data out, so the CLI, the API, a notebook or a Spark worker can all use it.

- Pooling (Dorfman, two-stage): with prevalence p and pools of k, each pool costs one test, and a positive
  pool (probability 1 - (1-p)^k) costs k more, so the expected tests per person are 1/k + 1 - (1-p)^k.
- Planner: days to finish sampling = population / (sites × samplers per site × samples per sampler per hour
  × hours per day); days to finish testing = whole pooled tubes / lab tubes per day. The slower one is the
  bottleneck; nothing is rounded, so a deadline is compared exactly.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import asdict, dataclass
from typing import Any

POOL_SIZES = range(2, 101)
LARGEST = 1e12  # no field of a city's plan comes near; beyond it float arithmetic would lose the plan


class PlanInvalid(ValueError):
    """Input that cannot be planned; `problems` names each field and why."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def expected_tests(prevalence: float, pool_size: int) -> float:
    """Expected tests per person with Dorfman pooling in pools of `pool_size` (1 means testing singly)."""
    if pool_size == 1:
        return 1.0
    return 1.0 / pool_size + 1.0 - (1.0 - prevalence) ** pool_size


def best_pool_size(prevalence: float) -> tuple[int, float]:
    """The pool size in 2..100 with the fewest expected tests per person (the smallest such k on a tie),
    or (1, 1.0) when no pool beats testing everyone singly (prevalence above about 0.31)."""
    if isinstance(prevalence, bool) or not isinstance(prevalence, int | float) or not math.isfinite(prevalence):
        raise PlanInvalid(["prevalence: a number between 0 and 1 (exclusive)"])
    if not 0 < prevalence < 1:
        raise PlanInvalid([f"prevalence: must lie between 0 and 1 (exclusive), got {prevalence}"])
    best_k, best_e = 1, 1.0
    for k in POOL_SIZES:
        e = expected_tests(prevalence, k)
        if e < best_e:
            best_k, best_e = k, e
    return best_k, best_e


# field: (kind, smallest allowed, whether the smallest is allowed)
PLAN_FIELDS: dict[str, tuple[type, float, bool]] = {
    "population": (int, 0, True),
    "sites": (int, 1, True),
    "samplers_per_site": (int, 1, True),
    "samples_per_sampler_per_hour": (float, 0, False),
    "hours_per_day": (float, 0, False),
    "pool_size": (int, 1, True),
    "lab_tubes_per_day": (int, 1, True),
    "deadline_days": (float, 0, False),
}
OPTIONAL_FIELDS: dict[str, tuple[type, float, bool]] = {
    "transport_hours": (float, 0, True),  # the planner page and API only; not part of the CLI contract
}


@dataclass(frozen=True)
class PlanInput:
    population: int
    sites: int
    samplers_per_site: int
    samples_per_sampler_per_hour: float
    hours_per_day: float
    pool_size: int
    lab_tubes_per_day: int
    deadline_days: float
    transport_hours: float = 0.0


@dataclass(frozen=True)
class PlanResult:
    sampling_days: float
    lab_days: float
    days: float
    bottleneck: str  # "sampling" | "lab"
    meets_deadline: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _number(name: str, value: Any, kind: type, least: float, inclusive: bool) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, f"{name}: a {'whole number' if kind is int else 'number'} is needed, got {value!r}"
    if kind is int and (isinstance(value, float) and not value.is_integer()):
        return None, f"{name}: a whole number is needed, got {value!r}"
    if not -LARGEST <= value <= LARGEST or not math.isfinite(value):
        return None, f"{name}: a finite number up to {LARGEST:g} is needed"
    if value < least or (value == least and not inclusive):
        bound = f"at least {least:g}" if inclusive else f"more than {least:g}"
        return None, f"{name}: must be {bound}, got {value!r}"
    return (int(value) if kind is int else float(value)), None


def parse_plan(data: Any, *, allow_optional: bool = True) -> PlanInput:
    """Check a plan's fields (names, kinds, ranges) and say every problem at once."""
    if not isinstance(data, dict):
        raise PlanInvalid(["the plan must be a JSON object with the fields " + ", ".join(PLAN_FIELDS)])
    fields = {**PLAN_FIELDS, **(OPTIONAL_FIELDS if allow_optional else {})}
    problems = [f"{key}: unknown field" for key in data if key not in fields]
    values: dict[str, Any] = {}
    for name, (kind, least, inclusive) in fields.items():
        if name not in data:
            if name in PLAN_FIELDS:
                problems.append(f"{name}: missing")
            continue
        value, problem = _number(name, data[name], kind, least, inclusive)
        if problem:
            problems.append(problem)
        else:
            values[name] = value
    if problems:
        raise PlanInvalid(problems)
    p = PlanInput(**values)
    rate = sampling_rate_per_day(p)
    if not (rate > 0 and math.isfinite(rate)):
        raise PlanInvalid(["sites × samplers_per_site × samples_per_sampler_per_hour × hours_per_day: "
                           "must come to a positive finite number of samples a day"])
    return p


def sampling_rate_per_day(plan: PlanInput) -> float:
    return plan.sites * plan.samplers_per_site * plan.samples_per_sampler_per_hour * plan.hours_per_day


def plan(p: PlanInput) -> PlanResult:
    """Days to finish sampling and testing, which is the bottleneck, and whether the deadline is met.

    Transport (optional) delays the lab's finish by its hours; the CLI contract leaves it at zero."""
    sampling_days = p.population / sampling_rate_per_day(p)
    lab_days = math.ceil(p.population / p.pool_size) / p.lab_tubes_per_day + p.transport_hours / 24
    days = max(sampling_days, lab_days)
    if not math.isfinite(days):
        raise PlanInvalid(["the plan's days are too large to compute: check the rates and the population"])
    bottleneck = "lab" if lab_days > sampling_days else "sampling"
    return PlanResult(sampling_days, lab_days, days, bottleneck, days <= p.deadline_days)


@dataclass(frozen=True)
class Change:
    field: str
    current: float
    needed: float


def suggest(p: PlanInput) -> list[Change]:
    """The smallest single changes that each meet the deadline on their own: more samplers per site, longer
    opening hours (at most 24 a day), more lab capacity. Empty when the plan already meets it; a change that
    cannot meet it alone (transport alone exceeds the deadline, or hours beyond 24) is left out."""
    result = plan(p)
    if result.meets_deadline:
        return []
    out: list[Change] = []
    with contextlib.suppress(OverflowError, ValueError, ZeroDivisionError):  # a deadline no number can meet
        _suggest_into(out, p, result)
    return [c for c in out if math.isfinite(c.needed)]


def _suggest_into(out: list[Change], p: PlanInput, result: PlanResult) -> None:
    per_day_needed = p.population / p.deadline_days  # samples a day the sites must take
    if result.sampling_days > p.deadline_days:
        per_sampler_day = p.sites * p.samples_per_sampler_per_hour * p.hours_per_day
        samplers = math.ceil(per_day_needed / per_sampler_day)
        for _step in range(3):  # float rounding can leave ceil() one short
            if p.population / (per_sampler_day * samplers) <= p.deadline_days:
                break
            samplers += 1
        out.append(Change("samplers_per_site", p.samplers_per_site, samplers))
        hours = per_day_needed / (p.sites * p.samplers_per_site * p.samples_per_sampler_per_hour)
        if hours <= 24:
            out.append(Change("hours_per_day", p.hours_per_day, hours))
    lab_time = p.deadline_days - p.transport_hours / 24
    if result.lab_days > p.deadline_days and lab_time > 0:
        tubes = math.ceil(math.ceil(p.population / p.pool_size) / lab_time)
        out.append(Change("lab_tubes_per_day", p.lab_tubes_per_day, tubes))
