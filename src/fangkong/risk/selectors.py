"""Reads of the risk-area list. It is public (announced), so not scoped: the level of an origin on a day, and
whether an arrival's origin could be placed at all."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from fangkong.areas import gazetteer
from fangkong.policy.engine import Facts, FactsInvalid, evaluate
from fangkong.policy.selectors import active_profile
from fangkong.risk.models import RISK_ORDER, RiskArea
from fangkong.risk.rows import covering_codes


def risk_areas_in_force(*, on: dt.date) -> QuerySet[RiskArea]:
    return RiskArea.objects.filter(Q(lifted_on__isnull=True) | Q(lifted_on__gt=on), starts_on__lte=on)


@dataclass(frozen=True)
class RiskAnswer:
    level: str | None  # None: no risk level announced for the area on that day
    zone: str
    records: tuple[RiskArea, ...]
    # Why a typed origin could not be placed ("" when it could): "not_found", "ambiguous" (朝阳区: Beijing or
    # Changchun?), or "coarse" (a province or prefecture with risk areas inside it). A person must then decide.
    unresolved: str = ""
    resolved_code: str = ""  # the division a typed name resolved to (areas.gazetteer)

    def as_dict(self) -> dict:
        return {
            "level": self.level,
            "zone": self.zone or None,
            "records": [
                {"id": r.pk, "division_code": r.division_code, "region_name": r.region_name, "level": r.level,
                 "zone": r.zone or None, "starts_on": r.starts_on.isoformat(),
                 "lifted_on": r.lifted_on.isoformat() if r.lifted_on else None, "source": r.source}
                for r in self.records
            ],
        }


def risk_level_on(*, on: dt.date, code: str = "", name: str = "") -> RiskAnswer:
    """The level of an area on a day: the highest level in force for the node or any of its ancestors.

    A name without a code is resolved to a division first (areas.gazetteer: "北京市朝阳区" is 110105), so the
    coded entries of the list are found; entries listed by name only still match the name as typed. A name that
    resolves to no single division, or to a province or prefecture with risk areas inside it, answers
    `unresolved` with the reason: never read that as "no risk".
    """
    unresolved = resolved = ""
    if name and not code:
        found = gazetteer.resolve(name)
        if found.code is None:
            unresolved = found.reason
        else:
            code = resolved = found.code
    query = Q()
    if code:
        query |= Q(division_code__in=covering_codes(code))
    if name:
        query |= Q(division_code="", region_name=name.strip())
    if not query:
        return RiskAnswer(None, "", ())
    in_force = risk_areas_in_force(on=on)
    records = tuple(in_force.filter(query).order_by("starts_on"))
    if resolved and len(resolved) < 6 and in_force.filter(division_code__startswith=resolved).exclude(
            division_code=resolved).exists():
        unresolved = "coarse"
    if records and unresolved in ("not_found", "ambiguous"):
        unresolved = ""  # listed by this very name: the list's own entry answers
    if not records:
        return RiskAnswer(None, "", (), unresolved, resolved)
    top = max(records, key=lambda r: (RISK_ORDER[r.level], len(r.division_code)))
    return RiskAnswer(top.level, top.zone, records, unresolved, resolved)


def origin_unclear(answer, *, category: str, arrived_on: dt.date, negative_test_date: dt.date | None = None,
                   released_from_centralized_isolation: bool = False) -> bool:
    """Whether a typed origin that could not be placed (answer.unresolved) matters: the plan in force would differ
    by the origin's risk level for these facts (an arrival from abroad is planned the same whatever it typed)."""
    if not answer.unresolved:
        return False
    profile = active_profile()
    rules = set()
    for level in (None, "low", "medium", "high"):
        facts = Facts(id="origin", category=category, origin_risk=level, arrival_date=arrived_on,
                      negative_test_date=negative_test_date,
                      released_from_centralized_isolation=released_from_centralized_isolation)
        try:
            rules.add(evaluate(profile, facts).rule_id)
        except FactsInvalid:
            return True
    return len(rules) > 1


def origin_problem(origin_name: str, answer) -> str:
    """What to ask the person who typed an origin that could not be placed."""
    if answer.unresolved == "ambiguous":
        names = gazetteer.full_names()
        candidates = "、".join(names.get(c, c) for c in gazetteer.resolve(origin_name).candidates)
        return _("%(origin)s is the name of several places (%(names)s): add the province and city, or give the "
                 "division code") % {"origin": origin_name, "names": candidates}
    if answer.unresolved == "coarse":
        return _("risk areas are listed inside %(origin)s: give the district or county") % {"origin": origin_name}
    return _("%(origin)s matches no province, city or county: write it as province, city and county, or give "
             "the division code") % {"origin": origin_name}
