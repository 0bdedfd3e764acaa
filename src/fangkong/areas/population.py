"""What the area tree needs from the registry of households and persons, without importing it.

The people app registers its implementation at start-up (people.apps), as the apps that colour health codes
register their status providers: areas imports no app above it, so the tree, the chain and the tallies stay
usable by every capability (testing, tracing, resources) that builds on them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet


class Population(Protocol):
    def household_counts(self, *, user, codes: list[str]) -> dict[str, int]:
        """Households under each code, within the user's scope."""

    def person_counts(self, *, user, codes: list[str]) -> dict[str, int]:
        """Persons under each code (merged records not counted), within the user's scope."""

    def unassigned_households(self, *, user, area) -> QuerySet:
        """Households under the node with nobody responsible, ordered for paging."""

    def tally_rows(self) -> tuple[Iterable[tuple[str, int, int]], Iterable[tuple[str, int]]]:
        """For the tallies: (area_code, households, unassigned households) and (area_code, persons) per code."""

    def households_move(self, *, by, source, target) -> int:
        """Every household of responsible `source` goes to `target` (None: nobody), in the caller's transaction."""

    def households_assign(self, *, by, responsible, household_ids: set[int], village_code: str) -> list[int]:
        """Put these households (all in the village and the user's scope, else ValidationError) under
        `responsible`, in the caller's transaction; their ids, sorted."""


_registered: list[Population] = []


def register(population: Population) -> None:
    _registered[:] = [population]


def population() -> Population:
    if not _registered:
        raise ImproperlyConfigured("no population registered: fangkong.people must be installed")
    return _registered[0]
