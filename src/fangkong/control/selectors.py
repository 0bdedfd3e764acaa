"""Reads of the risk-area list. The list is public information (announced), so it is not area-scoped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from .models import RISK_ORDER, RiskArea
from .risk_rows import covering_codes


def risk_areas_in_force(*, on: dt.date) -> QuerySet[RiskArea]:
    return RiskArea.objects.filter(Q(lifted_on__isnull=True) | Q(lifted_on__gt=on), starts_on__lte=on)


@dataclass(frozen=True)
class RiskAnswer:
    level: str | None  # None: no risk level announced for the area on that day
    zone: str
    records: tuple[RiskArea, ...]

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
    """The level of an area on a day: the highest level in force for the node or any of its ancestors."""
    query = Q()
    if code:
        query |= Q(division_code__in=covering_codes(code))
    if name:
        query |= Q(division_code="", region_name=name.strip())
    if not query:
        return RiskAnswer(None, "", ())
    records = tuple(risk_areas_in_force(on=on).filter(query).order_by("starts_on"))
    if not records:
        return RiskAnswer(None, "", ())
    top = max(records, key=lambda r: (RISK_ORDER[r.level], len(r.division_code)))
    return RiskAnswer(top.level, top.zone, records)
