"""The arrivals section of a person's page: their arrivals and self-declarations, and registering a new arrival
for those who may (people.sections)."""

from __future__ import annotations

from fangkong.arrivals import actions, selectors
from fangkong.arrivals.models import SelfDeclaration
from fangkong.core.permissions import may


def arrivals_section(*, user, person) -> dict | None:
    arrivals = list(selectors.arrivals_for(user=user).filter(person=person).order_by("-arrived_on", "-pk")[:20])
    may_register = may(user, actions.ARRIVAL_REGISTER, person.area_code)
    if not arrivals and not may_register:
        return None
    declared = set(SelfDeclaration.objects.filter(arrival__in=arrivals).values_list("arrival_id", flat=True))
    return {"arrivals": arrivals, "declared": declared, "may_register": may_register}
