from __future__ import annotations

import datetime as dt

from django.http import Http404
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from fangkong.areas import selectors as area_selectors

from . import selectors, services
from .validation import PersonInvalid

router = Router(tags=["people"])


class PersonOut(Schema):
    id: int
    name: str
    area_code: str
    household_id: int | None
    id_type: str
    id_number: str = Field(description="masked unless the caller's role needs the full value")
    birth_date: dt.date | None
    sex: str
    phone: str
    relation: str
    tags: list[str]


class PersonIn(Schema):
    name: str = Field(max_length=100)
    area_code: str | None = None
    household_id: int | None = None
    id_type: str = "resident_id"
    id_number: str = ""
    birth_date: dt.date | None = None
    sex: str = ""
    phone: str = ""
    relation: str = ""
    occupation: str = ""
    tags: list[str] = []


class PersonPatch(Schema):
    name: str | None = Field(None, max_length=100)
    id_type: str | None = None
    id_number: str | None = None
    birth_date: dt.date | None = None
    sex: str | None = None
    phone: str | None = None
    relation: str | None = None
    occupation: str | None = None
    tags: list[str] | None = None


class DocumentQuery(Schema):
    id_number: str = Field(min_length=1, max_length=40)
    id_type: str = "resident_id"


class ErrorOut(Schema):
    detail: str
    errors: list[dict] = []


def _out(person, *, full: dict | None = None) -> dict:
    return {
        "id": person.pk,
        "name": person.name,
        "area_code": person.area_code,
        "household_id": person.household_id,
        "id_type": person.id_type,
        "id_number": (full or {}).get("id_number", person.id_number_masked),
        "birth_date": person.birth_date,
        "sex": person.sex,
        "phone": (full or {}).get("phone", person.phone_masked),
        "relation": person.relation,
        "tags": person.tags,
    }


def _invalid(exc: PersonInvalid):
    raise HttpError(422, "; ".join(f"{k}: {v}" for k, v in exc.errors.items()))


@router.get("/persons", response=list[PersonOut])
@paginate(LimitOffsetPagination)
def person_list(request, area_code: str | None = None, name: str | None = None):
    qs = selectors.person_list(user=request.user, area_code=area_code).order_by("area_code", "id")
    if name:
        qs = qs.filter(name=name)
    return [_out(p) for p in qs]


@router.get("/persons/{int:pk}", response=PersonOut)
def person_detail(request, pk: int, unmask: bool = False, reason: str = ""):
    person = selectors.person_get(user=request.user, pk=pk)
    full = selectors.reveal(user=request.user, person=person, reason=reason, request=request) if unmask else None
    return _out(person, full=full)


@router.post("/persons/search", response={200: PersonOut, 404: ErrorOut})
def person_search(request, body: DocumentQuery):
    """Exact lookup by document number. A POST, so the number never appears in a URL or a server log."""
    person = selectors.person_by_document(user=request.user, number=body.id_number, id_type=body.id_type, request=request)
    if person is None:
        return 404, {"detail": "not found"}
    return _out(person)


@router.post("/persons", response={201: PersonOut, 422: ErrorOut})
def person_create(request, body: PersonIn):
    household = selectors.household_get(user=request.user, pk=body.household_id) if body.household_id else None
    area = None
    if household is None:
        if not body.area_code:
            return 422, {"detail": "invalid input", "errors": [{"field": "area_code", "reason": "area_code or household_id is required"}]}
        area = area_selectors.area_get(user=request.user, code=body.area_code)
    try:
        person = services.person_create(
            user=request.user, area=area, household=household, name=body.name, id_type=body.id_type,
            id_number=body.id_number, birth_date=body.birth_date, sex=body.sex, phone=body.phone,
            relation=body.relation, occupation=body.occupation, tags=body.tags,
        )
    except PersonInvalid as exc:
        return 422, {"detail": "invalid input", "errors": [{"field": k, "reason": v} for k, v in exc.errors.items()]}
    except services.PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    return 201, _out(person)


@router.patch("/persons/{int:pk}", response={200: PersonOut, 422: ErrorOut})
def person_update(request, pk: int, body: PersonPatch):
    person = selectors.person_get(user=request.user, pk=pk)
    changes = body.dict(exclude_unset=True)
    try:
        person = services.person_update(user=request.user, person=person, **changes)
    except PersonInvalid as exc:
        return 422, {"detail": "invalid input", "errors": [{"field": k, "reason": v} for k, v in exc.errors.items()]}
    except services.PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    return _out(person)


class HouseholdOut(Schema):
    id: int
    code: str
    area_code: str
    address: str


@router.get("/households", response=list[HouseholdOut])
@paginate(LimitOffsetPagination)
def household_list(request, area_code: str | None = None):
    qs = selectors.household_list(user=request.user)
    if area_code:
        from fangkong.core.scoping import subtree_q

        qs = qs.filter(subtree_q(area_code))
    return qs.order_by("code")


@router.get("/households/{int:pk}", response=HouseholdOut)
def household_detail(request, pk: int):
    return selectors.household_get(user=request.user, pk=pk)


@router.get("/households/{int:pk}/members", response=list[PersonOut])
def household_members(request, pk: int):
    household = selectors.household_get(user=request.user, pk=pk)
    return [_out(p) for p in selectors.person_list(user=request.user).filter(household=household)]


__all__ = ["router", "Http404"]
