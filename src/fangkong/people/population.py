"""The registry's side of areas.population: counts under tree nodes and the households of a cadre, for the area
tree, the tallies and the responsibility chain (registered in people.apps)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from fangkong.areas.selectors import range_counts
from fangkong.core.scoping import scope, subtree_q
from fangkong.people.models import Household, Person

BATCH = 5000  # as the chain's other bulk updates (areas.services.BATCH)


class PeoplePopulation:
    def household_counts(self, *, user, codes: list[str]) -> dict[str, int]:
        return range_counts(scope(Household.objects.all(), user), codes) if codes else {}

    def person_counts(self, *, user, codes: list[str]) -> dict[str, int]:
        """Persons under each code, not counting records merged into another.

        All records in a range are counted from the path index alone; the few merged ones are
        counted apart and subtracted. Filtering on `merged_into IS NULL` inside the count would
        make the database read every row of the subtree (or, on SQLite without statistics,
        walk the merged_into index instead of the path).
        """
        if not codes:
            return {}
        counts = range_counts(scope(Person.objects.all(), user), codes)
        # Merges are rare: ask the merged_into index first (a yes/no over the whole table, nothing
        # shown), and only then count them in the user's subtree.
        if not Person.objects.filter(merged_into__isnull=False).exists():
            return counts
        merged = (
            scope(Person.objects.filter(merged_into__isnull=False), user)
            .values("area_code")
            .annotate(n=Count("pk"))
            .values_list("area_code", "n")
            .order_by()
        )
        for area_code, n in merged:
            for code in codes:
                if area_code.startswith(code):
                    counts[code] = counts.get(code, 0) - n
        return counts

    def unassigned_households(self, *, user, area):
        return scope(Household.objects.filter(subtree_q(area.code), responsible__isnull=True), user).order_by("area_code", "code")

    def tally_rows(self):
        households = (Household.objects.order_by().values("area_code")
                      .annotate(n=Count("*"), unassigned=Count("pk", filter=Q(responsible__isnull=True)))
                      .values_list("area_code", "n", "unassigned"))
        persons = (Person.objects.filter(merged_into__isnull=True).order_by().values("area_code")
                   .annotate(n=Count("*")).values_list("area_code", "n"))
        return households, persons

    def households_move(self, *, by, source, target) -> int:
        households = list(Household.objects.filter(responsible=source))
        for h in households:
            h.responsible = target
        bulk_update_with_history(households, Household, ["responsible"], batch_size=BATCH, default_user=by)
        return len(households)

    def households_assign(self, *, by, responsible, household_ids: set[int], village_code: str) -> list[int]:
        households = list(
            scope(Household.objects.filter(pk__in=household_ids), by).filter(subtree_q(village_code)).select_for_update()
        )
        if len(households) != len(household_ids):
            raise ValidationError({"households": _("Some households are not in this village.")})
        for h in households:
            h.responsible = responsible
        bulk_update_with_history(households, Household, ["responsible"], batch_size=BATCH, default_user=by)
        return sorted(h.pk for h in households)
