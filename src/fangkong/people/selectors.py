"""Reads of households and persons, always cut to the user's subtree."""

from __future__ import annotations

from django.db.models import QuerySet

from fangkong.core.access import log_access
from fangkong.core.crypto import lookup_hash, unseal
from fangkong.core.ids import check_resident_id
from fangkong.core.scoping import get_scoped_or_404, scope

from .models import Household, Person


def person_list(*, user, area_code: str | None = None) -> QuerySet[Person]:
    qs = scope(Person.objects.filter(merged_into__isnull=True), user)
    if area_code:
        from fangkong.core.scoping import subtree_q

        qs = qs.filter(subtree_q(area_code))
    return qs


def person_get(*, user, pk: int) -> Person:
    return get_scoped_or_404(Person.objects.select_related("household", "area"), user, pk=pk)


def household_list(*, user) -> QuerySet[Household]:
    return scope(Household.objects.all(), user)


def household_get(*, user, pk: int) -> Household:
    return get_scoped_or_404(Household.objects.select_related("area"), user, pk=pk)


def person_by_document(*, user, number: str, id_type: str = Person.IdType.RESIDENT_ID, request=None) -> Person | None:
    """Exact lookup by document number (one indexed equality on the keyed hash). Always logged."""
    if id_type == Person.IdType.RESIDENT_ID:
        checked = check_resident_id(number)
        number = checked.normalized
    from django.conf import settings

    from fangkong.core.access import log_within_limit

    found = person_list(user=user).filter(id_type=id_type, id_number_hash=lookup_hash(number)).first()
    # Logged, and limited per user: exact lookups are how numbers would be tested in bulk.
    log_within_limit(user=user, action="lookup_document", limit=settings.DOCUMENT_LOOKUPS_PER_HOUR, seconds=3600,
                     object_type="person", object_id=str(found.pk) if found else "", fields="id_number",
                     request=request)
    return found


def reveal(*, user, person: Person, fields: tuple[str, ...] = ("id_number", "phone"), reason: str = "", request=None) -> dict:
    """Full values for a role that needs them, masked otherwise; every unmasked read is logged."""
    if not user.sees_unmasked:
        return {"id_number": person.id_number_masked, "phone": person.phone_masked}
    out = {
        "id_number": unseal(person.id_number_sealed) if "id_number" in fields and person.id_number_sealed else person.id_number_masked,
        "phone": unseal(person.phone_sealed) if "phone" in fields and person.phone_sealed else person.phone_masked,
    }
    log_access(
        user=user, action="view_unmasked", object_type="person", object_id=str(person.pk),
        fields=",".join(fields), reason=reason, request=request,
    )
    return out


# --- counts under areas (added for the API's area children; one grouped query per model) ---




def follow_merges(found: dict, merged: dict, *, max_depth: int = 5, fetch=None) -> None:
    """Complete `found` (key -> live Person) from `merged` (key -> pk a merged record points to).

    A document of a merged record belongs to the record it was merged into; chains of merges are
    followed a level per query. For bulk matching by the importers, which check scope themselves.
    `fetch(pks) -> {pk: record}` reads the targets (default: Person instances); any record with
    `merged_into_id` will do, e.g. the people importer's lighter tuples.
    """
    fetch = fetch or Person.objects.in_bulk
    for _depth in range(max_depth):
        pending = {key: target for key, target in merged.items() if key not in found}
        if not pending:
            return
        targets = fetch(set(pending.values()))
        merged = {}
        for key, target in pending.items():
            person = targets.get(target)
            if person is not None and person.merged_into_id is None:
                found[key] = person
            elif person is not None:
                merged[key] = person.merged_into_id


def transfers(*, user, direction: str = "incoming", status: str | None = None):
    """Transfer requests the user's area decides (incoming: the person lives there) or asked for (outgoing)."""
    from .models import TransferRequest

    field = "area_code" if direction == "incoming" else "to_area_code"
    qs = scope(TransferRequest.objects.select_related("person", "to_area"), user, field)
    return qs.filter(status=status) if status else qs


def transfer_get(*, user, pk: int):
    """A transfer the user's area decides; 404 otherwise (the requesting side cannot decide its own request)."""
    from .models import TransferRequest

    return get_scoped_or_404(TransferRequest.objects.select_related("person", "to_area"), user, pk=pk)
