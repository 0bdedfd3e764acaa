from __future__ import annotations

import datetime as dt

from ninja import File, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from fangkong.core.clock import today

from . import selectors, services
from .risk_rows import RiskRow, RowError, short_code

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


class RiskAreaIn(Schema):
    division_code: str = ""
    region_name: str = ""
    level: str
    zone: str = ""
    starts_on: dt.date
    lifted_on: dt.date | None = None
    source: str = ""


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


@router.get("/", response=list[RiskAreaOut])
def risk_area_list(request, on: dt.date | None = None):
    """Risk areas in force on a day (default today)."""
    return list(selectors.risk_areas_in_force(on=on or today()))


@router.get("/level", response=RiskLevelOut)
def risk_level(request, code: str = "", name: str = "", on: dt.date | None = None):
    """What was the level of area X on date D: the highest level in force for the node or an ancestor."""
    if not code and not name:
        raise HttpError(422, "give code or name")
    if code and not code.isdigit():
        raise HttpError(422, "code: a division code has digits only")
    return selectors.risk_level_on(on=on or today(), code=code, name=name).as_dict()


@router.post("/", response={201: RiskAreaOut})
def risk_area_create(request, body: RiskAreaIn):
    from .risk_rows import parse_row

    try:
        row: RiskRow = parse_row(0, {
            "code": short_code(body.division_code), "name": body.region_name, "level": body.level, "zone": body.zone,
            "start_date": body.starts_on.isoformat(), "lift_date": body.lifted_on.isoformat() if body.lifted_on else "",
            "source": body.source,
        })
        return 201, services.risk_area_set(user=request.user, row=row)
    except RowError as exc:
        raise HttpError(422, f"{exc.column}: {exc.reason}") from exc
    except services.NotAllowed as exc:
        raise HttpError(403, str(exc)) from exc


@router.post("/import", response=ImportOut)
def risk_area_import(request, file: UploadedFile = File(...)):  # noqa: B008 - ninja's declaration style
    try:
        text = file.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HttpError(422, "file: not UTF-8 text") from exc
    try:
        return services.risk_areas_import(user=request.user, text=text).as_dict()
    except RowError as exc:
        raise HttpError(422, f"{exc.column}: {exc.reason}") from exc
    except services.NotAllowed as exc:
        raise HttpError(403, str(exc)) from exc
