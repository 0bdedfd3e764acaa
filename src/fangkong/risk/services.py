"""Writes of the risk-area list: one entry set or lifted, and the upper level's list imported."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.permissions import at_city_level, require
from fangkong.risk import actions
from fangkong.risk.models import RiskArea
from fangkong.risk.rows import RiskRow, RowError, parse_row


@dataclass
class RiskImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": len(self.rejected), "errors": self.rejected}


def _require_risk_editor(user, division_code: str | None) -> None:
    """Risk areas are announced by the command and the CDC. A district keeps the list for its own area; places
    outside the city (the origins of arrivals) are the city level's."""
    require(user, actions.RISK_AREA_EDIT, None if division_code is None or at_city_level(user) else division_code)


def _risk_values(risk: RiskArea) -> dict:
    return {"division_code": risk.division_code, "region_name": risk.region_name, "level": risk.level,
            "zone": risk.zone, "starts_on": risk.starts_on, "lifted_on": risk.lifted_on}


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
    _require_risk_editor(user, None)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"level", "start_date"} - set(reader.fieldnames or [])
    if missing or not ({"code", "name"} & set(reader.fieldnames or [])):
        raise RowError("header", _("columns are code,name,level,zone,start_date,lift_date,source"))
    result = RiskImportResult()
    with transaction.atomic():
        for number, rec in enumerate(reader, start=2):
            try:
                row = parse_row(number, rec)
                _require_risk_editor(user, row.division_code)
            except RowError as exc:
                result.rejected.append({"row": number, "column": exc.column, "reason": exc.reason})
                continue
            except Http404:
                result.rejected.append({"row": number, "column": "code", "reason": _("outside your area")})
                continue
            outcome = _upsert(row, user)
            setattr(result, outcome, getattr(result, outcome) + 1)
        audit.record(user, actions.RISK_AREA_EDIT, object_type="riskarea", reason="list imported",
                     count=result.created + result.updated, changes=result.as_dict() | {"errors": None})
    return result


def risk_area_set(*, user, row: RiskRow) -> RiskArea:
    _require_risk_editor(user, row.division_code)
    with transaction.atomic():
        outcome = _upsert(row, user)
        risk = RiskArea.objects.get(division_code=row.division_code, region_name=row.region_name, starts_on=row.starts_on)
        audit.record(user, actions.RISK_AREA_EDIT, obj=risk, area_code=risk.division_code, reason=outcome,
                     changes=_risk_values(risk))
    return risk


def risk_area_lift(*, user, risk_area: RiskArea, lifted_on) -> RiskArea:
    _require_risk_editor(user, risk_area.division_code)
    if lifted_on <= risk_area.starts_on:
        raise RowError("lifted_on", _("must be after the start date"))
    with transaction.atomic():
        before = risk_area.lifted_on
        risk_area.lifted_on = lifted_on
        risk_area.save(update_fields=["lifted_on"])
        audit.record(user, actions.RISK_AREA_EDIT, obj=risk_area, area_code=risk_area.division_code, reason="lifted",
                     changes={"lifted_on": [before, lifted_on]})
    return risk_area
