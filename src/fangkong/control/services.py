"""Writes for key-population control: the risk-area list."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction

from fangkong.core.roles import Role

from .models import RiskArea
from .risk_rows import RiskRow, RowError, parse_row

# Risk areas are announced by the command headquarters and the CDC, not by grid workers.
RISK_AREA_EDITORS = frozenset({Role.CITY_COMMAND, Role.DISTRICT, Role.CDC})


class NotAllowed(Exception):
    pass


@dataclass
class RiskImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": len(self.rejected), "errors": self.rejected}


def _require_editor(user) -> None:
    if not (getattr(user, "is_superuser", False) or getattr(user, "role", None) in RISK_AREA_EDITORS):
        raise NotAllowed("only city command, district and CDC users may change the risk-area list")


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
    _require_editor(user)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"level", "start_date"} - set(reader.fieldnames or [])
    if missing or not ({"code", "name"} & set(reader.fieldnames or [])):
        raise RowError("header", "columns are code,name,level,zone,start_date,lift_date,source")
    result = RiskImportResult()
    with transaction.atomic():
        for number, rec in enumerate(reader, start=2):
            try:
                row = parse_row(number, rec)
            except RowError as exc:
                result.rejected.append({"row": number, "column": exc.column, "reason": exc.reason})
                continue
            outcome = _upsert(row, user)
            setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def risk_area_set(*, user, row: RiskRow) -> RiskArea:
    _require_editor(user)
    with transaction.atomic():
        _upsert(row, user)
    return RiskArea.objects.get(division_code=row.division_code, region_name=row.region_name, starts_on=row.starts_on)


def risk_area_lift(*, user, risk_area: RiskArea, lifted_on) -> RiskArea:
    _require_editor(user)
    if lifted_on <= risk_area.starts_on:
        raise RowError("lifted_on", "must be after the start date")
    with transaction.atomic():
        risk_area.lifted_on = lifted_on
        risk_area.save(update_fields=["lifted_on"])
    return risk_area
