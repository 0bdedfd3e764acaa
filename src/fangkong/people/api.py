"""Households and persons in the REST API.

Reads go through people.selectors (area-scoped), writes through people.services
(scope and write role checked there). ID numbers and phones are masked unless the
caller asks with ?unmask=true and a reason, and their role needs full values; every
such read and every exact-document lookup is written to the access log. A document
number is only ever sent in a POST body, never in a URL.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fangkong.areas.codes import Level
from fangkong.core.api_support import (
    AreaCode,
    Body,
    ErrorOut,
    IsoDate,
    MobilePhoneOrEmpty,
    Page,
    RecordId,
    Text,
    VisibleText,
    allowed_to,
    forbidden,
    invalid,
    not_found,
    page_of,
    reject_unknown_query,
    responses,
)
from fangkong.core.clock import today
from fangkong.core.ids import check_resident_id
from fangkong.core.masking import birth_year_age

from . import actions, selectors, services
from .models import Household, Person
from .validation import ID_TYPES

router = Router(tags=["people"])

IdType = Literal[tuple(sorted(ID_TYPES))]  # type: ignore[valid-type]
Sex = Literal["M", "F", "U"]
Residence = Literal["resident", "away", "temporary"]
Tag = Annotated[str, Field(pattern=r"^[\w-]{1,40}$", description="a key-population tag, e.g. student, cold_chain")]


# ---- schemas -------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    name: str
    area_code: str
    household_id: int | None
    id_type: str
    id_number: str = Field(description="masked (110101***********X) unless unmasked on request")
    birth_date: dt.date | None = Field(description="only with full values (unmask=true, logged); null otherwise")
    age: int | None = Field(description="this year minus the birth year: shown instead of the birth date, which "
                                        "beside the masked number would give the number away")
    sex: str
    phone: str = Field(description="masked (138****5678) unless unmasked on request")
    relation: str
    occupation: str
    workplace: str
    residence: str
    tags: list[str]
    masked: bool = Field(description="false only when full values were shown (and logged)")


class PersonPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PersonOut]


class PersonIn(Body):
    name: VisibleText = Field(max_length=100)
    area_code: AreaCode | None = Field(None, description="the village, grid or building; or give household_id")
    household_id: RecordId | None = None
    id_type: IdType = "resident_id"
    id_number: Text = Field("", max_length=40)
    birth_date: IsoDate | None = None
    sex: Literal["", "M", "F", "U"] = ""
    phone: MobilePhoneOrEmpty = Field("", max_length=30)
    relation: Text = Field("", max_length=20)
    occupation: Text = Field("", max_length=100)
    workplace: Text = Field("", max_length=200)
    residence: Residence = "resident"
    tags: list[Tag] = Field(default_factory=list, max_length=20)


class PersonPatch(Body):
    name: VisibleText | None = Field(None, max_length=100)
    id_type: IdType | None = None
    id_number: Text | None = Field(None, max_length=40)
    birth_date: IsoDate | None = None
    sex: Literal["", "M", "F", "U"] | None = None
    phone: MobilePhoneOrEmpty | None = Field(None, max_length=30)
    relation: Text | None = Field(None, max_length=20)
    occupation: Text | None = Field(None, max_length=100)
    workplace: Text | None = Field(None, max_length=200)
    residence: Residence | None = None
    tags: list[Tag] | None = Field(None, max_length=20)


class PersonFilter(Schema):
    area_code: AreaCode | None = Field(None, description="only under this node (short or 12-digit code)")
    name: Text | None = Field(None, max_length=100, description="name starts with")
    sex: Sex | None = None
    # The schema gives the rule of the roles that see numbers masked (the others may give any day).
    born_from: IsoDate | None = Field(None, description="birth date on or after; 1 January of a year for roles that "
                                                        "see numbers masked", json_schema_extra={"pattern": "-01-01$"})
    born_to: IsoDate | None = Field(None, description="birth date on or before; 31 December of a year for roles "
                                                      "that see numbers masked", json_schema_extra={"pattern": "-12-31$"})
    tag: Tag | None = None
    residence: Residence | None = None
    household_id: RecordId | None = None


class Reveal(Schema):
    unmask: bool = Field(False, description="show full ID number and phone (roles that need them; logged)")
    reason: Text = Field("", max_length=200, description="why the full values are needed (required with unmask)")


class DocumentQuery(Body):
    id_type: IdType = "resident_id"
    id_number: Text = Field(min_length=1, max_length=40)
    unmask: bool = False
    reason: Text = Field("", max_length=200)


class HouseholdOut(Schema):
    id: int
    code: str
    area_code: str
    address: str


class HouseholdPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[HouseholdOut]


class HouseholdIn(Body):
    area_code: AreaCode = Field(description="the village, grid or building the household belongs to")
    code: str = Field("", pattern=r"^([0-9]{13,32})?$", description="default: the next free code under the area")
    address: Text = Field("", max_length=200)


class HouseholdPatch(Body):
    address: Text | None = Field(None, max_length=200)


class HouseholdFilter(Schema):
    area_code: AreaCode | None = Field(None, description="only under this node (short or 12-digit code)")
    code: str | None = Field(None, pattern=r"^[0-9]{1,32}$", description="household code starts with")
    address: Text | None = Field(None, max_length=200, description="part of the address")


# ---- helpers --------------------------------------------------------------------------------


def _out(person: Person, full: dict | None = None) -> dict:
    shown = full or {}
    return {
        "id": person.pk,
        "name": person.name,
        "area_code": person.area_code,
        "household_id": person.household_id,
        "id_type": person.id_type,
        "id_number": shown.get("id_number", person.id_number_masked),
        "birth_date": person.birth_date if full is not None else None,
        "age": birth_year_age(person.birth_date, today()),
        "sex": person.sex,
        "phone": shown.get("phone", person.phone_masked),
        "relation": person.relation,
        "occupation": person.occupation,
        "workplace": person.workplace,
        "residence": person.residence,
        "tags": list(person.tags or []),
        "masked": full is None,
    }


def _revealed(request, person: Person, reveal: Reveal | DocumentQuery) -> dict | None:
    """Full values when asked for, by a role that needs them, with a reason; None means masked."""
    if not reveal.unmask:
        return None
    if not request.user.sees_unmasked:
        raise forbidden("unmask", _("your role sees ID numbers and phones masked only"))
    if not reveal.reason.strip():
        raise invalid("reason", _("say why you need the full values; the reason is written to the access log"))
    return selectors.reveal(user=request.user, person=person, reason=reveal.reason.strip(), request=request)


def _resolve_area_filter(user, code: str) -> str:
    """A filter code in either form, as the stored short code (an unknown code filters to nothing)."""
    if len(code) != 12:
        return code
    from fangkong.areas.api import area_by_any_code

    try:
        return area_by_any_code(user=user, code=code).code
    except Http404:  # nothing of the caller's lies there: the filter then matches nothing
        return code


def _with_tag(qs: QuerySet[Person], tag: str) -> QuerySet[Person]:
    if connection.vendor == "postgresql":
        return qs.filter(tags__contains=[tag])
    # SQLite has no JSON containment: test the array's elements.
    sql = "EXISTS (SELECT 1 FROM json_each(people_person.tags) WHERE json_each.value = %s)"
    return qs.alias(has_tag=RawSQL(sql, [tag], output_field=BooleanField())).filter(has_tag=True)  # noqa: S611


def _area_for_records(user, code: str):
    from fangkong.areas.api import area_by_any_code

    area = area_by_any_code(user=user, code=code)
    if area.level < Level.VILLAGE:
        raise invalid("area_code", _("households and persons belong to a village, grid or building, not a %(level)s")
                      % {"level": area.level_name})
    return area


def _household_or_404(user, pk: int) -> Household:
    return selectors.household_get(user=user, pk=pk)


# ---- households -----------------------------------------------------------------------------


@router.get("/households", response=responses({200: HouseholdPage}), summary="List households in your area")
def household_list(request, filters: Query[HouseholdFilter], page: Query[Page]):
    reject_unknown_query(request, HouseholdFilter, Page)
    qs = selectors.household_list(user=request.user)
    if filters.area_code:
        from fangkong.core.scoping import subtree_q

        qs = qs.filter(subtree_q(_resolve_area_filter(request.user, filters.area_code)))
    if filters.code:
        qs = qs.filter(code__startswith=filters.code)
    if filters.address and filters.address.strip():
        qs = qs.filter(address__contains=filters.address.strip())
    return page_of(qs.order_by("code"), page)


@router.post("/households", response=responses({201: HouseholdOut}), summary="Register a household",
             auth=allowed_to(actions.HOUSEHOLD_CREATE))
def household_create(request, payload: HouseholdIn):
    area = _area_for_records(request.user, payload.area_code)
    # The code must extend the area's (in the caller's subtree) before it is looked up anywhere: a code of
    # another area must not answer "exists already" (an oracle across areas).
    if payload.code and not payload.code.startswith(area.code):
        raise invalid("code", _("a household code must extend its area's code"))
    if payload.code and Household.objects.filter(code=payload.code).exists():
        raise invalid("code", _("a household with this code exists already"))
    household = services.household_create(
        user=request.user, area=area, code=payload.code, address=" ".join(payload.address.split())
    )
    return Status(201, household)


@router.get("/households/{pk}", response=responses({200: HouseholdOut}), summary="One household")
def household_detail(request, pk: RecordId):
    return _household_or_404(request.user, pk)


@router.patch("/households/{pk}", response=responses({200: HouseholdOut}), summary="Change a household",
              auth=allowed_to(actions.HOUSEHOLD_UPDATE))
def household_update(request, payload: HouseholdPatch, pk: RecordId):
    household = _household_or_404(request.user, pk)
    return services.household_update(user=request.user, household=household, address=payload.address)


@router.get("/households/{pk}/members", response=responses({200: list[PersonOut]}), summary="Members of a household")
def household_members(request, pk: RecordId):
    household = _household_or_404(request.user, pk)
    members = selectors.person_list(user=request.user).filter(household=household).order_by("id")[:500]
    return [_out(p) for p in members]


# ---- persons --------------------------------------------------------------------------------
# /persons/search is declared before /persons/{pk} so that the literal path wins.


@router.post(
    "/persons/search", response=responses({200: PersonOut, 429: ErrorOut}),  # DOCUMENT_LOOKUPS_PER_HOUR
    summary="Find a person by exact document number (POST: the number never appears in a URL)",
)
def person_search(request, payload: DocumentQuery):
    number = payload.id_number.strip()
    if payload.id_type == "resident_id":
        checked = check_resident_id(number)
        if not checked.valid:
            raise invalid("id_number", _("invalid ID number: %(reason)s") % {"reason": checked.reason_in(_)})
        number = checked.normalized
    else:
        number = number.upper().replace(" ", "")
    person = selectors.person_by_document(user=request.user, number=number, id_type=payload.id_type, request=request)
    if person is None:
        raise not_found("id_number")
    return _out(person, _revealed(request, person, payload))


@router.get("/persons", response=responses({200: PersonPage}), summary="List persons in your area")
def person_list(request, filters: Query[PersonFilter], page: Query[Page]):
    reject_unknown_query(request, PersonFilter, Page)
    area_code = _resolve_area_filter(request.user, filters.area_code) if filters.area_code else None
    qs = selectors.person_list(user=request.user, area_code=area_code)
    if filters.name and filters.name.strip():
        qs = qs.filter(name__startswith=filters.name.strip())
    if filters.sex:
        qs = qs.filter(sex=filters.sex)
    # Bisecting a birth-date filter would find the exact date, and with it the masked number: by year only,
    # unless the role reveals numbers (and those reads are logged).
    if not request.user.sees_unmasked:
        if filters.born_from and (filters.born_from.month, filters.born_from.day) != (1, 1):
            raise invalid("born_from", _("filter by year only: give 1 January of a year"))
        if filters.born_to and (filters.born_to.month, filters.born_to.day) != (12, 31):
            raise invalid("born_to", _("filter by year only: give 31 December of a year"))
    if filters.born_from:
        qs = qs.filter(birth_date__gte=filters.born_from)
    if filters.born_to:
        qs = qs.filter(birth_date__lte=filters.born_to)
    if filters.residence:
        qs = qs.filter(residence=filters.residence)
    if filters.household_id:
        qs = qs.filter(household_id=filters.household_id)
    if filters.tag:
        qs = _with_tag(qs, filters.tag)
    return page_of(qs.order_by("area_code", "id"), page, _out)


@router.post("/persons", response=responses({201: PersonOut, 429: ErrorOut}), summary="Register a person",
             auth=allowed_to(actions.PERSON_CREATE))
def person_create(request, payload: PersonIn):
    household = _household_or_404(request.user, payload.household_id) if payload.household_id else None
    area = None
    if household is None:
        if not payload.area_code:
            raise invalid("area_code", _("give area_code or household_id"))
        area = _area_for_records(request.user, payload.area_code)
    # No transaction around the service: its refusal of a number registered elsewhere is access-logged
    # (and counted) even though nothing is written.
    person = services.person_create(
        user=request.user, area=area, household=household, name=payload.name, id_type=payload.id_type,
        id_number=payload.id_number, birth_date=payload.birth_date, sex=payload.sex, phone=payload.phone,
        relation=payload.relation.strip(), occupation=payload.occupation.strip(), tags=payload.tags,
        workplace=payload.workplace.strip(), residence=payload.residence,
    )
    return Status(201, _out(person))


@router.get("/persons/{pk}", response=responses({200: PersonOut}), summary="One person (masked unless unmask=true)")
def person_detail(request, reveal: Query[Reveal], pk: RecordId):
    reject_unknown_query(request, Reveal)
    person = selectors.person_get(user=request.user, pk=pk)
    return _out(person, _revealed(request, person, reveal))


@router.patch("/persons/{pk}", response=responses({200: PersonOut}), summary="Change a person",
              auth=allowed_to(actions.PERSON_UPDATE))
def person_update(request, payload: PersonPatch, pk: RecordId):
    person = selectors.person_get(user=request.user, pk=pk)
    changes = payload.dict(exclude_unset=True)
    # null means "leave as is", except for the birth date, which may be cleared.
    changes = {k: v for k, v in changes.items() if v is not None or k == "birth_date"}
    for key in ("relation", "occupation", "workplace"):
        if key in changes:
            changes[key] = changes[key].strip()
    person = services.person_update(user=request.user, person=person, **changes)
    return _out(person)


# ---- transfers (迁入申请) of persons registered in another area -----------------------------------


class TransferIn(Body):
    id_type: IdType = "resident_id"
    id_number: Text = Field(min_length=1, max_length=40)
    household_id: RecordId | None = None
    area_code: AreaCode | None = Field(default=None, description="the destination node when no household is named")
    reason: Text = Field("", max_length=200)


class TransferDecision(Body):
    accept: bool
    note: Text = Field("", max_length=200)


class TransferOut(Schema):
    id: int
    status: str
    to_area_code: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decision_note: str
    # Named only to the owning area (which holds the person) and, once accepted, to the requesting one.
    person_id: int | None = None
    person_name: str | None = None


def _transfer_out(row, *, owning: bool) -> dict:
    shown = owning or row.status == "accepted"
    return {"id": row.pk, "status": row.status, "to_area_code": row.to_area_code, "created_at": row.created_at,
            "decided_at": row.decided_at, "decision_note": row.decision_note,
            "person_id": row.person_id if shown else None, "person_name": row.person.name if shown else None}


class TransferQuery(Schema):
    direction: Literal["incoming", "outgoing"] = "incoming"
    status: Literal["pending", "accepted", "refused", "cancelled"] | None = None


@router.post("/transfers", response=responses({201: TransferOut, 429: ErrorOut}), auth=allowed_to(actions.TRANSFER_REQUEST),
             summary="Ask for a person registered in another area to move into yours (迁入申请)")
def transfer_create(request, payload: TransferIn):
    household = _household_or_404(request.user, payload.household_id) if payload.household_id else None
    area = household.area if household else _area_for_records(request.user, payload.area_code or request.user.area_code)
    number = payload.id_number.strip()
    if payload.id_type == "resident_id":
        checked = check_resident_id(number)
        if not checked.valid:
            raise invalid("id_number", _("invalid ID number: %(reason)s") % {"reason": checked.reason_in(_)})
        number = checked.normalized
    row = services.transfer_request(by=request.user, id_type=payload.id_type, id_number=number, to_area=area,
                                    to_household=household, reason=payload.reason, request=request)
    return Status(201, _transfer_out(row, owning=False))


@router.get("/transfers", response=responses({200: list[TransferOut]}), summary="Transfer requests: incoming or outgoing")
def transfer_list(request, query: Query[TransferQuery]):
    reject_unknown_query(request, TransferQuery)
    rows = selectors.transfers(user=request.user, direction=query.direction, status=query.status)[:200]
    return [_transfer_out(r, owning=query.direction == "incoming") for r in rows]


@router.post("/transfers/{pk}/decide", response=responses({200: TransferOut}), auth=allowed_to(actions.TRANSFER_DECIDE),
             summary="Accept or refuse a transfer of a person of your area")
def transfer_decide(request, payload: TransferDecision, pk: RecordId):
    row = selectors.transfer_get(user=request.user, pk=pk)
    row = services.transfer_decide(by=request.user, transfer=row, accept=payload.accept, note=payload.note)
    return _transfer_out(row, owning=True)
