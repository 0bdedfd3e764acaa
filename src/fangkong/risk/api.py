"""The risk-area list under /api/v1/risk-areas: read by everyone signed in (it is announced), edited by the
roles the permission policy lets."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from fangkong.core.api_support import (
    Body,
    IsoDate,
    Text,
    allowed_to,
    invalid,
    reject_unknown_query,
    responses,
)
from fangkong.core.clock import today
from fangkong.risk import actions, selectors, services
from fangkong.risk.rows import CODE_LENGTHS, LEVELS, ZONES, RiskRow, RowError, short_code

router = Router(tags=["risk areas"])


class RiskAreaOut(Schema):
    id: int
    division_code: str
    region_name: str
    level: str
    zone: str
    starts_on: dt.date
    lifted_on: dt.date | None
    source: str


class RiskAreaIn(Body):
    # The schema says what rows.parse_row accepts: a code of a division's length, the levels and zones it
    # knows (either language), and a code or a name.
    model_config = {"json_schema_extra": {"anyOf": [
        {"required": ["division_code"], "properties": {"division_code": {"minLength": 2}}},
        {"required": ["region_name"], "properties": {"region_name": {"pattern": r"\S"}}}]}}

    division_code: Text = Field("", max_length=24, json_schema_extra={
        "pattern": "^(" + "|".join(f"[0-9]{{{n}}}" for n in sorted(CODE_LENGTHS)) + ")?$"})
    region_name: Text = Field("", max_length=200)
    level: str = Field(description="high, medium or low", json_schema_extra={"enum": list(LEVELS)})
    zone: str = Field("", description="sealed, controlled, prevention or empty", json_schema_extra={"enum": list(ZONES)})
    starts_on: IsoDate
    lifted_on: IsoDate | None = None
    source: Text = Field("", max_length=200)


class RiskLevelOut(Schema):
    level: str | None
    zone: str | None
    records: list[dict]


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[dict]


class OnDay(Schema):
    on: IsoDate | None = Field(None, description="YYYY-MM-DD; default today")


class LevelQuery(OnDay):
    code: str = Field("", pattern=r"^[0-9]{0,18}$", description="division code, short or 12-digit")
    name: Text = Field("", max_length=200, description="or the name of a place without a code")


@router.get("/", response=responses({200: list[RiskAreaOut]}))
def risk_area_list(request, query: Query[OnDay]):
    """Risk areas in force on a day (default today)."""
    reject_unknown_query(request, OnDay)
    return list(selectors.risk_areas_in_force(on=query.on or today()))


@router.get("/level", response=responses({200: RiskLevelOut}))
def risk_level(request, query: Query[LevelQuery]):
    """What was the level of area X on date D: the highest level in force for the node or an ancestor."""
    reject_unknown_query(request, LevelQuery)
    if not query.code and not query.name:
        raise invalid("code", "give code or name")
    return selectors.risk_level_on(on=query.on or today(), code=query.code, name=query.name).as_dict()


@router.post("/", response=responses({201: RiskAreaOut}), auth=allowed_to(actions.RISK_AREA_EDIT))
def risk_area_create(request, body: RiskAreaIn):
    from fangkong.risk.rows import parse_row

    try:
        row: RiskRow = parse_row(0, {
            "code": short_code(body.division_code), "name": body.region_name, "level": body.level, "zone": body.zone,
            "start_date": body.starts_on.isoformat(), "lift_date": body.lifted_on.isoformat() if body.lifted_on else "",
            "source": body.source,
        })
        return Status(201, services.risk_area_set(user=request.user, row=row))
    except RowError as exc:
        raise invalid(exc.column, exc.reason) from exc


@router.post("/import", response=responses({200: ImportOut}), auth=allowed_to(actions.RISK_AREA_EDIT))
def risk_area_import(request, file: UploadedFile = File(...)):  # noqa: B008 - ninja's declaration style
    try:
        text = file.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise invalid("file", _("not UTF-8 text")) from exc
    try:
        return services.risk_areas_import(user=request.user, text=text).as_dict()
    except RowError as exc:
        raise invalid(exc.column, exc.reason) from exc
