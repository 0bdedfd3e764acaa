"""Every write to households and persons goes through here."""

from __future__ import annotations

import datetime as dt

from django.db import models, transaction
from django.utils.translation import gettext as _

from fangkong.areas.models import Area
from fangkong.core import audit
from fangkong.core.crypto import lookup_hash, seal
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.core.permissions import in_area, require
from fangkong.core.text import clean_line

from . import actions
from .models import Household, Person
from .validation import PersonInvalid, clean_person

# What an audit event keeps of a person: the fields a person's record shows (number and phone masked).
_AUDITED = ("name", "id_type", "id_number_masked", "birth_date", "sex", "phone_masked", "household_id", "relation",
            "occupation", "workplace", "residence", "tags", "area_code")


def _audited(person: Person) -> dict:
    return {field: getattr(person, field, None) for field in _AUDITED}


def set_document(person: Person, *, id_type: str, id_number: str) -> None:
    person.id_type = id_type
    person.id_number_sealed = seal(id_number) if id_number else ""
    person.id_number_hash = lookup_hash(id_number) if id_number else ""
    person.id_number_masked = mask_id_number(id_number)


def set_phone(person: Person, phone: str) -> None:
    person.phone_sealed = seal(phone) if phone else ""
    person.phone_hash = lookup_hash(phone) if phone else ""
    person.phone_masked = mask_phone(phone)


def household_create(*, user, area: Area, code: str = "", address: str = "") -> Household:
    require(user, actions.HOUSEHOLD_CREATE, area.code)
    with transaction.atomic():
        if not code:
            last = Household.objects.filter(area=area).order_by("-code").values_list("code", flat=True).first()
            seq = int(last[len(area.code):]) + 1 if last and last[len(area.code):].isdigit() else 1
            code = f"{area.code}{seq:04d}"
        elif not code.startswith(area.code):
            raise PersonInvalid({"code": _("a household code must extend its area's code")})
        address = clean_line(address)
        household = Household.objects.create(code=code, area=area, area_code=area.code, address=address)
        audit.record(user, actions.HOUSEHOLD_CREATE, obj=household, changes={"code": code, "address": address})
        return household


def person_create(
    *,
    user,
    area: Area | None = None,
    household: Household | None = None,
    name: str,
    id_type: str = "resident_id",
    id_number: str = "",
    birth_date: dt.date | None = None,
    sex: str = "",
    phone: str = "",
    relation: str = "",
    occupation: str = "",
    tags: list[str] | None = None,
    workplace: str = "",
    residence: str = Person.Residence.RESIDENT,
) -> Person:
    """Register a person on behalf of a user, who must be allowed to write in the area."""
    if household is not None:
        area = household.area
    if area is None:
        raise PersonInvalid({"area": _("an area or a household is required")})
    require(user, actions.PERSON_CREATE, area.code)
    # The input's own faults first; then whether the document is registered (here, or in another area).
    clean = clean_person(name=name, id_type=id_type, id_number=id_number, birth_date=birth_date, sex=sex, phone=phone)
    existing = person_find_by_document(id_type=clean.id_type, id_number=clean.id_number) if clean.id_number else None
    if existing is not None:
        _refuse_registered(user, existing)
    with transaction.atomic():
        person = person_register(
            area=area, household=household, name=name, id_type=id_type, id_number=id_number, birth_date=birth_date,
            sex=sex, phone=phone, relation=relation, occupation=occupation, tags=tags,
        )
        if workplace or residence != Person.Residence.RESIDENT:
            person.workplace, person.residence = workplace, residence
            person.save(update_fields=["workplace", "residence"])
        audit.record(user, actions.PERSON_CREATE, obj=person, changes=_audited(person))
    return person


def person_register(
    *,
    area: Area,
    household: Household | None = None,
    name: str,
    id_type: str = "resident_id",
    id_number: str = "",
    birth_date: dt.date | None = None,
    sex: str = "",
    phone: str = "",
    relation: str = "",
    occupation: str = "",
    tags: list[str] | None = None,
) -> Person:
    """Validate and store a new person. For services that have checked their caller already
    (an arrival from the public self-declaration page has no user)."""
    clean = clean_person(name=name, id_type=id_type, id_number=id_number, birth_date=birth_date, sex=sex, phone=phone)
    with transaction.atomic():
        if clean.id_number and Person.objects.filter(
            id_type=clean.id_type, id_number_hash=lookup_hash(clean.id_number), merged_into__isnull=True
        ).exists():
            raise PersonInvalid({"id_number": _("a person with this document number is already registered")})
        person = Person(
            household=household, area=area, area_code=area.code, name=clean.name, birth_date=clean.birth_date,
            sex=clean.sex, relation=relation, occupation=occupation, tags=list(tags or []),
        )
        set_document(person, id_type=clean.id_type, id_number=clean.id_number)
        set_phone(person, clean.phone)
        person.save()
    return person


def person_find_by_document(*, id_type: str, id_number: str) -> Person | None:
    """The live record with this document (unscoped: for services matching an arrival or a lab result).

    A resident ID is normalised first (x → X, full-width digits, 15 → 18 digits), as it was when stored."""
    if id_type == Person.IdType.RESIDENT_ID:
        from fangkong.core.ids import check_resident_id

        id_number = check_resident_id(id_number).normalized
    if not id_number:
        return None
    return Person.objects.filter(
        id_type=id_type, id_number_hash=lookup_hash(id_number), merged_into__isnull=True
    ).first()


def person_update(*, user, person: Person, **changes) -> Person:
    require(user, actions.PERSON_UPDATE, person.area_code)
    before = _audited(person)
    current = {
        "name": person.name, "id_type": person.id_type, "birth_date": person.birth_date, "sex": person.sex,
    }
    identity_changed = any(k in changes for k in ("name", "id_type", "id_number", "birth_date", "sex", "phone"))
    if identity_changed:
        sent = set(changes)  # what the caller gave; every other field stays as it is
        if "id_number" not in changes and person.id_number_sealed:
            from fangkong.core.crypto import unseal

            changes.setdefault("id_number", unseal(person.id_number_sealed))
        merged = {**current, **{k: v for k, v in changes.items() if k in current or k in ("id_number", "phone")}}
        if "id_number" in sent and merged["id_type"] == "resident_id":
            # A new resident ID carries its own birth date and sex: derive them again rather than
            # refuse the old ones as a mismatch. Other documents carry neither: keep what is known.
            if "birth_date" not in sent:
                merged["birth_date"] = None
            if "sex" not in sent:
                merged["sex"] = ""
        clean = clean_person(
            name=merged["name"], id_type=merged["id_type"], id_number=merged.get("id_number", ""),
            birth_date=merged["birth_date"], sex=merged["sex"], phone=changes.get("phone", "") or "",
        )
    with transaction.atomic():
        if identity_changed:
            if clean.id_number and Person.objects.filter(
                id_type=clean.id_type, id_number_hash=lookup_hash(clean.id_number), merged_into__isnull=True
            ).exclude(pk=person.pk).exists():
                raise PersonInvalid({"id_number": _("a person with this document number is already registered")})
            person.name, person.birth_date, person.sex = clean.name, clean.birth_date, clean.sex
            set_document(person, id_type=clean.id_type, id_number=clean.id_number)
            if "phone" in changes:
                set_phone(person, clean.phone)
        for key in ("relation", "occupation", "workplace", "residence", "tags"):
            if key in changes:
                setattr(person, key, changes[key])
        person.save()
        audit.record(user, actions.PERSON_UPDATE, obj=person, changes=audit.diff(before, _audited(person)))
    return person


def person_merge(*, user, keep: Person, drop: Person, candidate=None, reason: str = "") -> Person:
    """Merge `drop` into `keep`: references move to `keep`, `drop` stays (merged_into) with its history.

    Blank fields of `keep` are filled from `drop` (household, phone, birth date, occupation…);
    every other table that points at a person is re-pointed; open duplicate pairs that named
    `drop` now name `keep`. Both records must be in the user's area.
    """
    from django.utils import timezone

    from .models import DuplicateCandidate

    if keep.pk == drop.pk:
        raise PersonInvalid({"person": _("a person cannot be merged into themselves")})
    require(user, actions.PERSON_MERGE, keep.area_code)
    require(user, actions.PERSON_MERGE, drop.area_code)
    with transaction.atomic():
        keep = Person.objects.select_for_update().get(pk=keep.pk)
        drop = Person.objects.select_for_update().get(pk=drop.pk)
        if keep.merged_into_id or drop.merged_into_id:
            raise PersonInvalid({"person": _("one of the records has already been merged")})
        filled = False
        for attr in ("household_id", "birth_date", "relation", "occupation", "workplace"):
            if not getattr(keep, attr) and getattr(drop, attr):
                setattr(keep, attr, getattr(drop, attr))
                filled = True
        if not keep.phone_hash and drop.phone_hash:
            keep.phone_sealed, keep.phone_hash, keep.phone_masked = drop.phone_sealed, drop.phone_hash, drop.phone_masked
            filled = True
        if not keep.id_number_hash and drop.id_number_hash:
            # drop's document moves to keep: free the unique slot first.
            keep.id_type, keep.id_number_sealed = drop.id_type, drop.id_number_sealed
            keep.id_number_hash, keep.id_number_masked = drop.id_number_hash, drop.id_number_masked
            filled = True
        if keep.sex == Person.Sex.UNKNOWN and drop.sex != Person.Sex.UNKNOWN:
            keep.sex, filled = drop.sex, True
        extra_tags = [t for t in drop.tags if t not in keep.tags]
        if extra_tags:
            keep.tags, filled = [*keep.tags, *extra_tags], True
        note = reason or f"merged person {drop.pk} into {keep.pk}"
        drop.merged_into = keep
        drop._change_reason = note
        drop.save()
        # Tables of other apps that point at a person follow the kept record.
        for rel in Person._meta.related_objects:
            if rel.many_to_many or rel.field.name == "merged_into":
                continue
            rel.related_model._base_manager.filter(**{rel.field.name: drop}).update(**{rel.field.name: keep})
        if filled:
            keep._change_reason = note
            keep.save()
        for pair in DuplicateCandidate.objects.select_for_update().filter(
            models.Q(person=drop) | models.Q(other=drop)
        ).exclude(pk=getattr(candidate, "pk", None)):
            other_id = pair.other_id if pair.person_id == drop.pk else pair.person_id
            if pair.status != DuplicateCandidate.Status.OPEN:
                continue
            twin = DuplicateCandidate.objects.filter(
                models.Q(person_id=keep.pk, other_id=other_id) | models.Q(person_id=other_id, other_id=keep.pk)
            ).exists()
            if other_id == keep.pk or twin:
                pair.status, pair.decided_by, pair.decided_at = DuplicateCandidate.Status.MERGED, user, timezone.now()
                pair.save(update_fields=["status", "decided_by", "decided_at"])
            else:
                pair.person_id, pair.other_id = max(other_id, keep.pk), min(other_id, keep.pk)
                pair.save(update_fields=["person", "other"])
        if candidate is not None:
            candidate.status = DuplicateCandidate.Status.MERGED
            candidate.decided_by = user
            candidate.decided_at = timezone.now()
            candidate.save(update_fields=["status", "decided_by", "decided_at"])
        audit.record(user, actions.PERSON_MERGE, obj=keep, reason=note,
                     changes={"merged": drop.pk, "kept": keep.pk, "filled": filled})
    return keep


# --- household update (added for the API) ---


def household_update(*, user, household: Household, address: str | None = None) -> Household:
    require(user, actions.HOUSEHOLD_UPDATE, household.area_code)
    with transaction.atomic():
        before = {"address": household.address}
        if address is not None:
            household.address = clean_line(address)
        household.save()
        audit.record(user, actions.HOUSEHOLD_UPDATE, obj=household, changes=audit.diff(before, {"address": household.address}))
    return household


# --- a person registered in another area: the answer, and the transfer request (迁入申请) ---


class RegisteredElsewhere(PersonInvalid):
    """The document is registered in an area outside the user's: said without naming the person or the area."""

    def __init__(self):
        super().__init__({"id_number": _("this person is registered in another area; you may request a transfer")})


def _answer_registered_elsewhere(by, *, request=None) -> None:
    """Log the answer, and refuse it past the hourly limit (core.access.log_within_limit)."""
    from django.conf import settings

    from fangkong.core.access import log_within_limit

    log_within_limit(user=by, action="registered_elsewhere", limit=settings.REGISTERED_ELSEWHERE_PER_HOUR,
                     seconds=3600, object_type="person", reason="document registered elsewhere", request=request)


def _refuse_registered(by, existing: Person, *, request=None) -> None:
    if in_area(by, existing.area_code):
        raise PersonInvalid({"id_number": _("a person with this document number is already registered in your area")})
    _answer_registered_elsewhere(by, request=request)
    raise RegisteredElsewhere()


def transfer_request(*, by, id_type: str, id_number: str, to_area: Area, to_household: Household | None = None,
                     reason: str = "", request=None):
    """Ask the owning area to move a person here. Filed only when the user confirms it (a second step after
    the "registered in another area" answer); the owning area's responsible worker receives it."""
    from .models import TransferRequest

    if to_household is not None:
        to_area = to_household.area
    require(by, actions.TRANSFER_REQUEST, to_area.code)
    person = person_find_by_document(id_type=id_type, id_number=id_number)
    if person is None:
        raise PersonInvalid({"id_number": _("no person is registered with this document number")})
    if in_area(by, person.area_code):
        raise PersonInvalid({"id_number": _("this person is registered in your area already")})
    _answer_registered_elsewhere(by, request=request)
    from fangkong.areas.selectors import responsible_for

    with transaction.atomic():
        existing = TransferRequest.objects.filter(person=person, to_area=to_area,
                                                  status=TransferRequest.Status.PENDING).first()
        if existing is not None:
            return existing
        row = TransferRequest.objects.create(
            person=person, area_code=person.area_code, to_area=to_area, to_area_code=to_area.code,
            to_household=to_household, owner=responsible_for(person.area_code, person.household),
            requested_by=by if getattr(by, "pk", None) else None, reason=" ".join((reason or "").split())[:200],
        )
        # The requesting side's event: it names the request, not the person's area.
        audit.record(by, actions.TRANSFER_REQUEST, obj=row, area_code=to_area.code,
                     changes={"to_area_code": to_area.code, "to_household": to_household}, reason=row.reason)
    return row


def transfer_decide(*, by, transfer, accept: bool, note: str = ""):
    """The owning area accepts (the person and their open orders move, with history) or refuses."""
    from django.utils import timezone

    from .models import TransferRequest
    from .signals import person_moved

    require(by, actions.TRANSFER_DECIDE, transfer.area_code)
    with transaction.atomic():
        transfer = TransferRequest.objects.select_for_update().get(pk=transfer.pk)
        if transfer.status != TransferRequest.Status.PENDING:
            raise PersonInvalid({"status": _("this request has been decided already")})
        transfer.status = TransferRequest.Status.ACCEPTED if accept else TransferRequest.Status.REFUSED
        transfer.decided_by = by if getattr(by, "pk", None) else None
        transfer.decided_at = timezone.now()
        transfer.decision_note = " ".join((note or "").split())[:200]
        transfer.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        changes = {"status": ["pending", transfer.status]}
        if accept:
            person = Person.objects.select_for_update().get(pk=transfer.person_id)
            from_area_code = person.area_code
            person.area, person.area_code = transfer.to_area, transfer.to_area_code
            person.household = transfer.to_household
            person._history_user = by if getattr(by, "pk", None) else None
            person._change_reason = f"transfer {transfer.pk} accepted"
            person.save()
            person_moved.send(sender=Person, person=person, from_area_code=from_area_code, by=by)
            changes["area_code"] = [from_area_code, person.area_code]
        audit.record(by, actions.TRANSFER_DECIDE, obj=transfer, changes=changes, reason=transfer.decision_note)
    return transfer
