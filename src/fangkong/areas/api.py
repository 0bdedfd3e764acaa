from __future__ import annotations

from ninja import Router, Schema

from . import selectors

router = Router(tags=["areas"])


class AreaOut(Schema):
    code: str
    national_code: str
    name: str
    level: int
    level_name: str
    parent_code: str | None


def _out(area) -> AreaOut:
    return AreaOut(
        code=area.code,
        national_code=area.national_code,
        name=area.name,
        level=area.level,
        level_name=area.level_name,
        parent_code=area.parent.code if area.parent_id else None,
    )


@router.get("/{code}", response=AreaOut)
def area_detail(request, code: str):
    return _out(selectors.area_get(user=request.user, code=code))


@router.get("/{code}/children", response=list[AreaOut])
def area_children(request, code: str):
    area = selectors.area_get(user=request.user, code=code)
    return [_out(a) for a in selectors.area_children(user=request.user, area=area).select_related("parent")]
