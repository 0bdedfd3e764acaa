"""Plain rules of the responsibility chain, teams and duty rosters: no Django, no database.

Kept apart from the services so they can be read in one place and property-tested.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .codes import Level

# Which tier may be assigned at which level of the tree (三级分包): county leaders
# take a township, township cadres a village, village cadres answer for households
# (their row sits on the village, a grid or a building), grid workers take a grid.
TIER_LEVELS: dict[str, frozenset[Level]] = {
    "county_leader": frozenset({Level.TOWNSHIP}),
    "township_cadre": frozenset({Level.VILLAGE}),
    "village_cadre": frozenset({Level.VILLAGE, Level.GRID, Level.BUILDING}),
    "grid_worker": frozenset({Level.GRID}),
    "grid_leader": frozenset({Level.GRID}),
    "doctor": frozenset({Level.VILLAGE, Level.GRID}),
    "other": frozenset(Level),
}

# The tier whose absence makes a node count as "nobody responsible".
REQUIRED_TIER: dict[Level, str] = {
    Level.TOWNSHIP: "county_leader",
    Level.VILLAGE: "township_cadre",
    Level.GRID: "grid_worker",
}

# Tiers that may answer for households (包户).
HOUSEHOLD_TIERS = frozenset({"village_cadre", "grid_worker"})


def tier_fits(tier: str, level: int) -> bool:
    return Level(level) in TIER_LEVELS.get(tier, frozenset())


@dataclass(frozen=True)
class TeamSizeRule:
    min_members: int | None
    max_members: int | None
    min_police_share: Decimal | None


def tracing_team_rule(*, level: int, central: bool, teams) -> TeamSizeRule:
    """The default size rule of a tracing team (信息比对流调队伍) at a node, from the profile in force (`teams`:
    its `tracing_teams` section): the city level or a central district, or another county."""
    share = Decimal(str(teams.min_police_share))
    if central or level <= Level.CITY:
        return TeamSizeRule(teams.central_min_members, None, share)
    return TeamSizeRule(teams.min_members, teams.max_members, share)


@dataclass(frozen=True)
class SizeProblem:
    code: str  # too_few, too_many, too_few_police
    required: str
    actual: str


def team_size_problems(
    *, members: int, police: int, min_members: int | None, max_members: int | None, min_police_share: Decimal | None
) -> list[SizeProblem]:
    """What a team misses against its size rule; an empty list when it meets it (or has no rule)."""
    problems = []
    if min_members is not None and members < min_members:
        problems.append(SizeProblem("too_few", str(min_members), str(members)))
    if max_members is not None and members > max_members:
        problems.append(SizeProblem("too_many", str(max_members), str(members)))
    if min_police_share is not None and members and Decimal(police) / Decimal(members) < min_police_share:
        problems.append(
            SizeProblem("too_few_police", f"{min_police_share:.0%}", f"{Decimal(police) / Decimal(members):.0%}")
        )
    elif min_police_share is not None and min_police_share > 0 and not members:
        problems.append(SizeProblem("too_few_police", f"{min_police_share:.0%}", "0%"))
    return problems


Interval = tuple[dt.datetime, dt.datetime]


def uncovered(shifts: Iterable[Interval], start: dt.datetime, end: dt.datetime) -> list[Interval]:
    """The parts of [start, end) that no shift covers, in order, as half-open intervals.

    Shifts may overlap, extend past either end or be empty; intervals touching end to
    start leave no gap.
    """
    gaps: list[Interval] = []
    cursor = start
    for s, e in sorted((max(s, start), min(e, end)) for s, e in shifts):
        if e <= s or e <= cursor:
            continue
        if s > cursor:
            gaps.append((cursor, s))
        cursor = e
        if cursor >= end:
            break
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


def daily_gaps(shifts: Iterable[Interval], days: Iterable[dt.date], tz: dt.tzinfo) -> dict[dt.date, list[Interval]]:
    """For each local calendar day, the hours of the 24 that nobody is on duty."""
    shifts = list(shifts)
    out = {}
    for day in days:
        start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        out[day] = uncovered(shifts, start, end)
    return out
