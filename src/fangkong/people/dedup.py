"""Likely duplicates: found during imports without slowing them, reviewed side by side later.

An exact document number is the same person (the importer updates that record).
What only looks alike goes to the DuplicateCandidate queue:
- the same name and birth date in the same household;
- the same name and birth date in the same area when one of the two has no document number.
The importer fetches the namesakes of a whole chunk in one query and calls
`likely_duplicates`; reviewers merge (people.services.person_merge) or keep both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.scoping import get_scoped_or_404, scope

from .models import DuplicateCandidate, Person

# (pk, name, birth_date, household_id, area_code, id_number_hash) of persons already stored.
Namesake = tuple[int, str, dt.date, int | None, str, str]


@dataclass(slots=True)
class NewPerson:
    """What the duplicate rules need of a person just written by an import (no model instance needed)."""

    pk: int
    name: str
    birth_date: dt.date | None
    household_id: int | None
    area_code: str
    id_number_hash: str


def likely_duplicates(created: list[NewPerson] | list[Person], namesakes: dict[tuple[str, dt.date], list[Namesake]]) -> list[DuplicateCandidate]:
    """Pairs (newer, older) among new persons and their stored namesakes, each pair once."""
    pairs: dict[tuple[int, int], DuplicateCandidate] = {}
    new_by_key: dict[tuple, list[Person]] = {}
    for person in created:
        if person.birth_date:
            new_by_key.setdefault((person.name, person.birth_date), []).append(person)
    for key, people in new_by_key.items():
        others = [(pk, hid, area_code, bool(doc)) for pk, _n, _b, hid, area_code, doc in namesakes.get(key, [])]
        others += [(p.pk, p.household_id, p.area_code, bool(p.id_number_hash)) for p in people]
        for person in people:
            for pk, hid, area_code, has_doc in others:
                if pk == person.pk:
                    continue
                if person.household_id and hid == person.household_id:
                    reason = _("same name and birth date in the same household")
                elif (not has_doc or not person.id_number_hash) and area_code == person.area_code:
                    reason = _("same name and birth date in the same area, one without a document number")
                else:
                    continue
                pair = (max(pk, person.pk), min(pk, person.pk))
                if pair not in pairs:
                    pairs[pair] = DuplicateCandidate(
                        person_id=pair[0], other_id=pair[1], area_code=person.area_code, reason=reason[:200])
    return list(pairs.values())


def candidate_list(*, user, status: str = DuplicateCandidate.Status.OPEN) -> QuerySet[DuplicateCandidate]:
    return scope(DuplicateCandidate.objects.filter(status=status), user).select_related("person", "other")


def candidate_get(*, user, pk: int) -> DuplicateCandidate:
    return get_scoped_or_404(DuplicateCandidate.objects.select_related("person", "other"), user, pk=pk)


def keep_both(*, user, candidate: DuplicateCandidate) -> DuplicateCandidate:
    """The reviewer says these are two people: the pair leaves the queue for good."""
    from fangkong.core import audit
    from fangkong.core.permissions import require

    from .actions import DUPLICATE_DECIDE

    require(user, DUPLICATE_DECIDE, candidate.area_code)
    with transaction.atomic():
        candidate.status = DuplicateCandidate.Status.DISTINCT
        candidate.decided_by = user
        candidate.decided_at = timezone.now()
        candidate.save(update_fields=["status", "decided_by", "decided_at"])
        audit.record(user, DUPLICATE_DECIDE, obj=candidate, reason="kept both",
                     changes={"person": candidate.person_id, "other": candidate.other_id})
    return candidate
