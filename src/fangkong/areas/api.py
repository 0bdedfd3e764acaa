"""Areas in the REST API: a node by its short or 12-digit code, its children with counts, its responsible people."""

from __future__ import annotations

from django.http import Http404
from ninja import Field, Query, Router, Schema

from fangkong.core.api_support import AreaCode, Page, Text, page_of, reject_unknown_query, responses

from . import selectors
from .codes import candidate_forms
from .models import Area

router = Router(tags=["areas"])


class AreaOut(Schema):
    code: str = Field(description="our key: the short form (2, 4, 6, 9, 12 digits; grids 15, buildings 18)")
    national_code: str = Field(description="12-digit statistical division code (local codes as they are)")
    name: str
    level: int
    level_name: str
    parent_code: str | None


class AreaCountsOut(AreaOut):
    households: int = Field(description="households under this node (the node itself included)")
    persons: int = Field(description="persons under this node")


class AreaPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AreaOut]


class ResponsibleOut(Schema):
    id: int
    area_code: str
    tier: str
    tier_label: str
    name: str
    phone: str = Field(description="work phone, published at the grid by design (公示)")
    title: str


class AreaSearch(Schema):
    q: Text = Field("", max_length=100, description="part of the name")
    level: int | None = Field(None, ge=1, le=7, description="1 province … 5 village, 6 grid, 7 building")


def _out(area: Area) -> dict:
    return {
        "code": area.code,
        "national_code": area.national_code,
        "name": area.name,
        "level": area.level,
        "level_name": area.level_name,
        "parent_code": area.parent.code if area.parent_id else None,
    }


def area_by_any_code(*, user, code: str) -> Area:
    """The node a short or 12-digit code names, deepest first, only inside the user's subtree."""
    forms = candidate_forms(code)
    found = {a.code: a for a in selectors.area_list(user=user).filter(code__in=forms).select_related("parent")}
    for form in forms:
        if form in found:
            return found[form]
    raise Http404


def _with_counts(user, parent_code: str, areas: list[Area]) -> list[dict]:
    counts = selectors.counts_of(user=user, codes=[a.code for a in areas])  # as the pages count: tallies, else live
    return [{**_out(a), "households": counts[a.code][0], "persons": counts[a.code][1]} for a in areas]


@router.get("", response=responses({200: AreaPage}), summary="Search areas by name in your subtree")
def area_search(request, filters: Query[AreaSearch], page: Query[Page]):
    reject_unknown_query(request, AreaSearch, Page)
    qs = selectors.area_list(user=request.user).select_related("parent").order_by("code")
    if filters.q.strip():
        qs = qs.filter(name__contains=filters.q.strip())
    if filters.level is not None:
        qs = qs.filter(level=filters.level)
    return page_of(qs, page, _out)


@router.get("/{code}", response=responses({200: AreaCountsOut}), summary="One area, by short or 12-digit code")
def area_detail(request, code: AreaCode):
    area = area_by_any_code(user=request.user, code=code)
    return _with_counts(request.user, area.code, [area])[0]


@router.get(
    "/{code}/children", response=responses({200: list[AreaCountsOut]}),
    summary="Children of an area with the households and persons under each",
)
def area_children(request, code: AreaCode):
    area = area_by_any_code(user=request.user, code=code)
    children = list(selectors.area_children(user=request.user, area=area).select_related("parent"))
    if not children:
        return []
    return _with_counts(request.user, area.code, children)


@router.get(
    "/{code}/responsibles", response=responses({200: list[ResponsibleOut]}),
    summary="The people responsible for an area (包保责任人)",
)
def area_responsibles(request, code: AreaCode):
    area = area_by_any_code(user=request.user, code=code)
    return [
        {
            "id": r.pk, "area_code": r.area_code, "tier": r.tier, "tier_label": str(r.get_tier_display()),
            "name": r.name, "phone": r.phone, "title": r.title,
        }
        for r in selectors.responsibles_of(user=request.user, area=area)
    ]
