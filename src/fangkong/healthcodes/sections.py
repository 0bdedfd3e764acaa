"""The health-code section of a person's page: the colour now, why, and its changes (people.sections)."""

from __future__ import annotations

from fangkong.healthcodes.models import HealthCode, HealthCodeChange


def colour_section(*, user, person) -> dict | None:
    # The person page already checked that the user may see this person (people.selectors.person_get).
    code = HealthCode.objects.filter(person=person).first()
    if code is None:
        return None
    changes = list(HealthCodeChange.objects.filter(person_id=person.pk).order_by("-at")[:20])
    return {"code": code, "changes": changes}
