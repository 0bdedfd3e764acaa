"""Reads of the area tree, always cut to the user's subtree."""

from __future__ import annotations

import datetime as dt

from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone

from fangkong.core.scoping import get_scoped_or_404, scope, subtree_q
from fangkong.core.text import is_digits

from .codes import CODE_LENGTH, Level, candidate_forms
from .models import Area, DutyShift, Responsible, Team, TeamMember
from .population import population
from .rules import HOUSEHOLD_TIERS, REQUIRED_TIER, SizeProblem, daily_gaps, team_size_problems


def area_list(*, user) -> QuerySet[Area]:
    return scope(Area.objects.all(), user, field="code")


def area_get(*, user, code: str) -> Area:
    return get_scoped_or_404(Area.objects.select_related("parent"), user, field="code", code=code)


def area_children(*, user, area: Area) -> QuerySet[Area]:
    return area_list(user=user).filter(parent=area).order_by("code")


def area_roots(*, user) -> QuerySet[Area]:
    """The user's own node (a user sees their node and everything under it)."""
    return area_list(user=user).filter(code=user.area_code) if user.area_code else Area.objects.filter(parent=None)


def responsibles_of(*, user, area: Area) -> QuerySet[Responsible]:
    return scope(Responsible.objects.filter(area=area, active=True), user)


# --- Tree counts, search, the responsibility chain, teams and rosters ------------------------------

def ancestors_within_scope(*, user, area: Area) -> list[Area]:
    """Breadcrumbs: the nodes from the user's own node down to `area`'s parent (never above the user's node)."""
    lengths = [n for n in CODE_LENGTH.values() if len(user.area_code) <= n < len(area.code)]
    codes = [area.code[:n] for n in lengths]
    return list(area_list(user=user).filter(code__in=codes).order_by("code"))


# SQLite allows at most 500 terms in a compound SELECT.
_UNION_CHUNK = 400


def range_counts(qs: QuerySet, codes: list[str], field: str = "area_code") -> dict[str, int]:
    """Rows of `qs` under each code: one range count per code on the indexed path column, sent as
    one UNION ALL query (per 400 codes), so each count is an index range scan and the page costs
    one round trip whatever its number of children.
    """
    counts: dict[str, int] = {}
    for start in range(0, len(codes), _UNION_CHUNK):
        parts = [
            qs.filter(subtree_q(code, field))
            .annotate(node=Value(code, output_field=CharField()))
            .values("node")
            .annotate(n=Count("*"))  # COUNT(*), not COUNT(id): lets PostgreSQL count from the index alone
            .values_list("node", "n")
            .order_by()
            for code in codes[start : start + _UNION_CHUNK]
        ]
        combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        counts.update(combined)
    return counts




def children_with_counts(*, user, area: Area) -> list[Area]:
    """The node's children, each with `household_count` and `person_count` under it.

    One query per table for the whole page (see `range_counts`), not a count per row.
    """
    children = list(area_children(user=user, area=area))
    counts = counts_of(user=user, codes=[child.code for child in children])
    for child in children:
        child.household_count, child.person_count, child.counted_at = counts[child.code]
    return children


def counts_of(*, user, codes: list[str]) -> dict[str, tuple[int, int, dt.datetime | None]]:
    """The one way the pages and the API count: households and persons under each code, and when they were
    counted. Nodes at township level and above from their tallies (None: counted live, see `_tallies`), the
    others live, one query per table for all of them."""
    tallies = _tallies(codes)
    live = [code for code in codes if code not in tallies]
    households = population().household_counts(user=user, codes=live)
    persons = population().person_counts(user=user, codes=live)
    out = {}
    for code in codes:
        tally = tallies.get(code)
        out[code] = ((tally.households, tally.persons, tally.counted_at) if tally
                     else (households.get(code, 0), persons.get(code, 0), None))
    return out


def _tallies(codes: list[str]) -> dict:
    """The precomputed counts (AreaTally) of the nodes at township level and above among `codes`.

    Staleness rule: those nodes' counts are as of the last tally, which every demo build and
    spreadsheet import refreshes (the import by a background task) and `fangkong areas tally`
    refreshes on demand or from a schedule; a person added or removed one at a time shows in
    them at the next refresh. Villages, grids and buildings, and any node without a tally,
    are counted live. Counts are of the whole subtree, which a user who may see the node may
    see entirely, so one tally serves every user.
    """
    from .models import AreaTally

    big = [code for code in codes if len(code) <= CODE_LENGTH[Level.TOWNSHIP]]
    return {t.code: t for t in AreaTally.objects.filter(code__in=big)} if big else {}


def area_search(*, user, query: str, limit: int = 50) -> QuerySet[Area]:
    """Nodes in the user's subtree whose name contains the query, or whose code starts with it."""
    query = query.strip()
    if not query:
        return Area.objects.none()
    qs = area_list(user=user)
    if is_digits(query):
        cond = subtree_q(query, "code") | Q(code__in=candidate_forms(query))
    else:
        cond = Q(name__icontains=query)
    return qs.filter(cond).order_by("level", "code")[:limit]


def area_counts(*, user, area: Area) -> dict:
    """Key figures for a node: households, persons, how many households have a responsible person."""
    tally = _tallies([area.code]).get(area.code)
    if tally is not None:  # a big node: as of the last tally (see _tallies)
        total, uncovered, persons = tally.households, tally.unassigned_households, tally.persons
    else:
        total, persons, _counted = counts_of(user=user, codes=[area.code])[area.code]
        uncovered = unassigned_households(user=user, area=area).count()
    covered = total - uncovered
    return {
        "households": total,
        "persons": persons,
        "households_covered": covered,
        "coverage_percent": round(100 * covered / total, 1) if total else None,
        "counted_at": tally.counted_at if tally is not None else None,  # None: counted live
    }


def _unassigned_nodes(*, user, area: Area, level: Level) -> QuerySet[Area]:
    tier = REQUIRED_TIER[level]
    staffed = Responsible.objects.filter(area=OuterRef("pk"), tier=tier, active=True)
    return area_list(user=user).filter(subtree_q(area.code, "code"), level=level).exclude(Exists(staffed))


def unassigned_households(*, user, area: Area) -> QuerySet:
    return population().unassigned_households(user=user, area=area)


UNASSIGNED_KINDS = ("township", "village", "grid", "household")
_KIND_LEVEL = {"township": Level.TOWNSHIP, "village": Level.VILLAGE, "grid": Level.GRID}


def unassigned_counts(*, user, area: Area) -> dict[str, int]:
    """How many townships, villages, grids and households under the node have nobody responsible."""
    counts = {kind: _unassigned_nodes(user=user, area=area, level=level).count() for kind, level in _KIND_LEVEL.items()}
    counts["household"] = unassigned_households(user=user, area=area).count()
    return counts


def unassigned_list(*, user, area: Area, kind: str) -> QuerySet:
    """The rows behind one count of `unassigned_counts`, ordered by code for paging on the database."""
    if kind == "household":
        return unassigned_households(user=user, area=area).select_related("area")
    if kind not in _KIND_LEVEL:
        raise ValueError(f"unknown kind {kind!r}")
    return _unassigned_nodes(user=user, area=area, level=_KIND_LEVEL[kind]).select_related("parent").order_by("code")


def responsible_get(*, user, pk: int) -> Responsible:
    return get_scoped_or_404(Responsible.objects.select_related("area"), user, pk=pk)


def grid_board(*, user, code: str) -> dict:
    """The grid's public board (网格公示): the people answerable for it, from the county leader down.

    The grid must be in the user's subtree; the chain above it is read with one query on the
    code prefixes. Those rows lie above a grid worker's own node, but they are published at the
    grid by design (work phones on a public board), so they are not cut to the user's scope.
    """
    grid = area_get(user=user, code=code)
    if grid.level != Level.GRID:
        raise Http404
    prefixes = [grid.code[:n] for n in CODE_LENGTH.values() if n <= len(grid.code)]
    rows = list(
        Responsible.objects.filter(area_code__in=prefixes, active=True).select_related("area").order_by("area_code", "tier", "name")
    )
    by_tier: dict[str, list[Responsible]] = {}
    for row in rows:
        by_tier.setdefault(row.tier, []).append(row)
    chain = Area.objects.filter(code__in=prefixes).order_by("code")
    return {
        "grid": grid,
        "chain": list(chain),
        "grid_workers": by_tier.get(Responsible.Tier.GRID_WORKER, []) + by_tier.get(Responsible.Tier.GRID_LEADER, []),
        "village_cadres": by_tier.get(Responsible.Tier.VILLAGE_CADRE, []),
        "doctors": by_tier.get(Responsible.Tier.DOCTOR, []),
        "township_cadres": by_tier.get(Responsible.Tier.TOWNSHIP_CADRE, []),
        "county_leaders": by_tier.get(Responsible.Tier.COUNTY_LEADER, []),
    }


def team_list(*, user, area: Area | None = None) -> QuerySet[Team]:
    qs = scope(Team.objects.all(), user).select_related("area")
    if area is not None:
        qs = qs.filter(subtree_q(area.code))
    return qs.annotate(member_count=Count("members"), police_count=Count("members", filter=Q(members__is_police=True)))


def team_get(*, user, pk: int) -> Team:
    return get_scoped_or_404(Team.objects.select_related("area"), user, pk=pk)


def team_member_get(*, user, pk: int) -> TeamMember:
    return get_scoped_or_404(TeamMember.objects.select_related("team"), user, field="team__area_code", pk=pk)


def team_size_check(*, team: Team) -> list[SizeProblem]:
    members = team.members.aggregate(n=Count("pk"), police=Count("pk", filter=Q(is_police=True)))
    return team_size_problems(
        members=members["n"], police=members["police"], min_members=team.min_members,
        max_members=team.max_members, min_police_share=team.min_police_share,
    )


def roster_week(*, user, area: Area, week_start: dt.date) -> dict:
    """A node's duty shifts in the local week starting `week_start`, and the uncovered hours of each day."""
    tz = timezone.get_current_timezone()
    days = [week_start + dt.timedelta(days=i) for i in range(7)]
    start = dt.datetime.combine(days[0], dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    shifts = list(
        scope(DutyShift.objects.filter(area=area, starts_at__lt=end, ends_at__gt=start), user).order_by("starts_at")
    )
    gaps = daily_gaps([(s.starts_at, s.ends_at) for s in shifts], days, tz)
    return {"days": days, "shifts": shifts, "gaps": gaps}


def duty_shift_get(*, user, pk: int) -> DutyShift:
    return get_scoped_or_404(DutyShift.objects.select_related("area"), user, pk=pk)


def household_responsibles_for(*, user, area: Area) -> QuerySet[Responsible]:
    """Active village cadres and grid workers who may take households under `area` (its village and below)."""
    village = area.code[: CODE_LENGTH[Level.VILLAGE]]
    above = [area.code[:n] for n in CODE_LENGTH.values() if CODE_LENGTH[Level.VILLAGE] <= n <= len(area.code)]
    return (
        scope(Responsible.objects.all(), user)
        .filter(Q(area_code__in=above) | subtree_q(area.code), tier__in=HOUSEHOLD_TIERS, active=True)
        .filter(subtree_q(village))
        .select_related("area")
        .order_by("area_code", "tier", "name")
    )


def responsible_for(area_code: str, household=None) -> Responsible | None:
    """Who takes up work at a place (unscoped: for services routing work): the grid's worker, else the household's
    cadre, else the nearest village or township cadre above."""
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
