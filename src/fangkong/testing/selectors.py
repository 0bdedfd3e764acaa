"""Reads of mass testing, always cut to the user's area (core.scoping) or, for a laboratory, to its unit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone

from fangkong.areas.models import Area
from fangkong.core.permissions import is_system
from fangkong.core.scoping import get_scoped_or_404, in_scope, scope, subtree_q
from fangkong.people.models import Person

from .models import Campaign, CaseLead, Recall, Result, Round, SamplingSite, TransferBox, Tube, TubeSample
from .statuses import RECENCY_HOURS


def _ancestors(code: str) -> list[str]:
    return [code[:n] for n in range(1, len(code) + 1)]


def campaigns_for(*, user) -> QuerySet[Campaign]:
    """Campaigns ordered in the user's subtree, or covering a target area that contains or lies in it."""
    if not getattr(user, "is_authenticated", False):
        return Campaign.objects.none()
    if not user.area_code:
        return Campaign.objects.all() if (user.is_superuser or is_system(user)) else Campaign.objects.none()
    covering = Q(targets__area_code__in=_ancestors(user.area_code)) | subtree_q(user.area_code, "targets__area_code")
    return Campaign.objects.filter(subtree_q(user.area_code) | covering).distinct()


def campaign_get(*, user, pk: int) -> Campaign:
    try:
        return campaigns_for(user=user).get(pk=pk)
    except Campaign.DoesNotExist as exc:
        raise Http404 from exc


def current_round(campaign: Campaign, on: dt.date | None = None) -> Round | None:
    on = on or timezone.localdate()
    return campaign.rounds.filter(starts_on__lte=on, ends_on__gte=on).first() or campaign.rounds.last()


def sites_for(*, user, campaign: Campaign) -> QuerySet[SamplingSite]:
    return scope(campaign.sites.all(), user)


def site_get(*, user, pk: int) -> SamplingSite:
    return get_scoped_or_404(SamplingSite.objects.select_related("campaign"), user, pk=pk)


def tube_at_site(*, user, site: SamplingSite, barcode: str) -> Tube:
    return get_scoped_or_404(Tube.objects.select_related("site"), user, campaign_id=site.campaign_id, barcode=barcode)


def tube_get(*, user, pk: int) -> Tube:
    return get_scoped_or_404(Tube.objects.select_related("site", "round"), user, pk=pk)


def lab_of(user):
    return getattr(user, "unit", None) if getattr(user, "unit_id", None) else None


def lab_boxes(*, user) -> QuerySet[TransferBox]:
    """Boxes sent to the user's laboratory, wherever they were packed (a lab sees by its unit, not by area)."""
    return TransferBox.objects.filter(lab_id=getattr(user, "unit_id", None) or -1).select_related("site")


def lab_box_get(*, user, pk: int) -> TransferBox:
    try:
        return lab_boxes(user=user).get(pk=pk)
    except TransferBox.DoesNotExist as exc:
        raise Http404 from exc


def lab_tubes(*, user, state: str | None = None) -> QuerySet[Tube]:
    qs = Tube.objects.filter(lab_id=getattr(user, "unit_id", None) or -1).select_related("site")
    return qs.filter(state=state) if state else qs


def lab_tube_by_barcode(*, user, barcode: str) -> Tube:
    tube = lab_tubes(user=user).filter(barcode=barcode).order_by("-collected_at").first()
    if tube is None:
        raise Http404
    return tube


def recalls_for(*, user) -> QuerySet[Recall]:
    return scope(Recall.objects.select_related("person", "household", "responsible", "tube"), user)


def case_leads_for(*, user) -> QuerySet[CaseLead]:
    return scope(CaseLead.objects.select_related("person", "tube"), user)


# ---------------------------------------------------------------------------- coverage


@dataclass(frozen=True)
class CoverageRow:
    code: str
    name: str
    target: int
    sampled: int
    resulted: int
    positive: int

    @property
    def not_tested(self) -> int:
        return max(self.target - self.sampled, 0)


def _targets_q(campaign: Campaign, field: str = "area_code") -> Q:
    q = Q(pk__in=[])
    for code in campaign.targets.values_list("area_code", flat=True):
        q |= subtree_q(code, field)
    return q


def _by_node(qs, length: int, count: str) -> dict[str, int]:
    rows = qs.annotate(node=Substr("area_code", 1, length)).values("node").annotate(n=Count(count, distinct=True))
    return {r["node"]: r["n"] for r in rows}


def coverage(*, user, campaign: Campaign, parent_code: str, round: Round | None = None) -> list[CoverageRow]:
    """For each child node of `parent_code` (in the user's area): persons to test (those living in the campaign's
    target areas), sampled, resulted, positive and not yet tested in the round. One grouped query per figure."""
    if not in_scope(user, parent_code):
        raise Http404
    round = round or current_round(campaign)
    children = list(Area.objects.filter(parent__code=parent_code).order_by("code"))
    if not children:
        children = list(Area.objects.filter(code=parent_code))
    children = [c for c in children if in_scope(user, c.code)]
    if not children:
        return []
    length = len(children[0].code)
    within = subtree_q(parent_code) & _targets_q(campaign)
    persons = Person.objects.filter(within, merged_into__isnull=True)
    samples = TubeSample.objects.filter(within, round=round)
    target = _by_node(persons, length, "id")
    sampled = _by_node(samples, length, "person_id")
    resulted = _by_node(samples.filter(tube__state=Tube.State.RESULTED), length, "person_id")
    positive = _by_node(samples.filter(tube__result__outcome=Result.Outcome.POSITIVE), length, "person_id")
    return [CoverageRow(c.code, c.name, target.get(c.code, 0), sampled.get(c.code, 0), resulted.get(c.code, 0),
                        positive.get(c.code, 0)) for c in children]


def not_tested(*, user, campaign: Campaign, area_code: str | None = None, round: Round | None = None
               ) -> QuerySet[Person]:
    """Persons in the user's area (or a node of it) and the campaign's targets without a sample in the round:
    the grid worker's list (应检尽检、不漏一人)."""
    round = round or current_round(campaign)
    qs = scope(Person.objects.filter(_targets_q(campaign), merged_into__isnull=True), user)
    if area_code:
        qs = qs.filter(subtree_q(area_code))
    sampled = TubeSample.objects.filter(round=round).values("person_id")
    return qs.exclude(pk__in=sampled).select_related("household").order_by("area_code", "household_id", "pk")


# ---------------------------------------------------------------------------- a person's tests


@dataclass(frozen=True)
class TestRow:
    taken_at: dt.datetime
    site: str
    barcode: str
    kind: str
    state: str
    outcome: str  # "" while pending
    tested_at: dt.datetime | None


@dataclass(frozen=True)
class Recency:
    hours_since_negative: float | None  # since the sampling of the last negative tube
    pending: bool

    def within(self, hours: int) -> bool:
        return self.hours_since_negative is not None and self.hours_since_negative <= hours


def person_tests(*, user, person: Person, now: dt.datetime | None = None) -> tuple[list[TestRow], Recency]:
    """A person's tests, newest first, and their recency (核酸时效). The person must be in the user's area."""
    if not in_scope(user, person.area_code):
        raise Http404
    now = now or timezone.now()
    samples = (TubeSample.objects.filter(person=person).select_related("tube__site", "tube__result")
               .order_by("-taken_at"))
    rows, last_negative, pending = [], None, False
    for s in samples:
        result = getattr(s.tube, "result", None)
        outcome = result.outcome if result else ""
        rows.append(TestRow(s.taken_at, s.tube.site.name, s.tube.barcode, s.tube.kind, s.tube.state, outcome,
                            result.tested_at if result else None))
        if outcome == Result.Outcome.NEGATIVE and last_negative is None and s.taken_at <= now:
            last_negative = s.taken_at
        if not result and now - s.taken_at <= dt.timedelta(hours=max(RECENCY_HOURS)):
            pending = True
    hours = (now - last_negative).total_seconds() / 3600 if last_negative else None
    return rows, Recency(hours, pending)


# ---------------------------------------------------------------------------- chain of custody: times and delays


STAGE_TIME = {Tube.State.COLLECTED: "collected_at", Tube.State.BOXED: "boxed_at", Tube.State.RECEIVED: "received_at"}


def stuck_tubes(*, user, campaign: Campaign, hours: float, now: dt.datetime | None = None) -> QuerySet[Tube]:
    """Tubes of the user's area that have waited at one stage longer than `hours`: a closed tube not yet boxed, a
    box not yet received, a received tube without a result."""
    limit = (now or timezone.now()) - dt.timedelta(hours=hours)
    waiting = (Q(state=Tube.State.COLLECTED, closed=True, collected_at__lt=limit)
               | Q(state=Tube.State.BOXED, boxed_at__lt=limit)
               | Q(state=Tube.State.RECEIVED, received_at__lt=limit))
    return scope(campaign.tubes.filter(waiting), user).select_related("site", "lab").order_by("collected_at")


@dataclass(frozen=True)
class Turnaround:
    name: str
    tubes: int
    hours: float | None  # mean hours from the stage's start to the result


def _mean_hours(qs, start: str, group: str) -> list[Turnaround]:
    span = ExpressionWrapper(F("resulted_at") - F(start), output_field=DurationField())
    rows = qs.values(group).annotate(n=Count("id"), mean=Avg(span)).order_by(group)
    return [Turnaround(r[group], r["n"], r["mean"].total_seconds() / 3600 if r["mean"] is not None else None)
            for r in rows]


def turnaround(*, user, campaign: Campaign) -> dict[str, list[Turnaround]]:
    """Mean hours to a result for the resulted tubes of the user's area: per site from sampling, per lab from
    receipt."""
    done = scope(campaign.tubes.filter(state=Tube.State.RESULTED), user)
    return {"sites": _mean_hours(done, "collected_at", "site__name"),
            "labs": _mean_hours(done, "received_at", "lab__name")}


def recalls_of_day(*, user, on) -> list[Recall]:
    """The worker's day section (control.selectors.register_day_section): members of positive pools under the
    user's node still waiting for their single-tube retest, oldest first, so the first recalled is found first."""
    return list(recalls_for(user=user).filter(retested_at__isnull=True).select_related("person").order_by("created_at")[:200])
