"""Reading health codes: by scanner token, and the colour history (a person's colour, an area's counts, on a day)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from fangkong.core.scoping import get_scoped_or_404, require_in_scope, scope, subtree_q
from fangkong.people.models import Person

from .models import HealthCode, HealthCodeChange


def health_code_by_token(token: str) -> HealthCode | None:
    """For verification (验码): unscoped by design, since a venue anywhere may scan anyone; it answers only a colour."""
    return HealthCode.objects.select_related("person").filter(token=token).first()


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=timezone.get_default_timezone())


def colour_on(*, user, person, day: dt.date) -> str:
    """The colour a person's code had at the end of `day` (green when it never changed before then)."""
    get_scoped_or_404(Person.objects.all(), user, pk=person.pk)
    last = (HealthCodeChange.objects.filter(person_id=person.pk, at__lt=_end_of(day))
            .order_by("-at", "-id").values_list("colour_to", flat=True).first())
    return last or "green"


def colour_counts_on(*, user, area_code: str, day: dt.date) -> dict[str, int]:
    """How many persons under `area_code` had a red or a yellow code at the end of `day`, from the colour
    history: each person's last change before the day ended. (Green is everyone else registered there.)"""
    require_in_scope(user, area_code)
    # Rows are appended as colours change, so a person's highest id before the day's end is their last change.
    last = (HealthCodeChange.objects.filter(subtree_q(area_code), at__lt=_end_of(day)).order_by()
            .values("person_id").annotate(last=Max("id")).values("last"))
    counts = {"red": 0, "yellow": 0}
    for colour, n in (HealthCodeChange.objects.filter(id__in=last).order_by().values("colour_to")
                      .annotate(n=Count("id")).values_list("colour_to", "n")):
        if colour in counts:
            counts[colour] = n
    return counts


def codes_of_colour(*, user, colours: tuple[str, ...], area_code: str = "") -> QuerySet[HealthCode]:
    """Everyone under the user's node (or `area_code` inside it) whose code is one of `colours`, the most
    recently changed first: the CDC's list of red and yellow codes (issue 12 §4)."""
    qs = scope(HealthCode.objects.filter(colour__in=colours), user)
    if area_code:
        require_in_scope(user, area_code)
        qs = qs.filter(subtree_q(area_code))
    return qs.select_related("person").order_by("-updated_at", "-pk")
