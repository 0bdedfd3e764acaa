"""Every write of mass testing: campaigns and sites, sampling, the chain of custody, results and what a result
sets off. Each service checks the caller (`require`), writes in one transaction and records its audit event in
that transaction; the health-code refresh runs after the commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.selectors import responsible_for
from fangkong.core import audit
from fangkong.core.models import Unit
from fangkong.core.permissions import require
from fangkong.core.text import clean_line
from fangkong.healthcodes.services import health_code_refresh
from fangkong.people.models import Person

from . import actions, orders_bridge
from .inputs import InvalidInput, RepeatSample, clean_barcode, local_day
from .models import (
    Campaign,
    CaseLead,
    Recall,
    Result,
    Round,
    SamplingSite,
    TargetArea,
    TransferBox,
    Tube,
    TubeSample,
)

# ---------------------------------------------------------------------------- campaigns and sites


@dataclass(frozen=True)
class TargetIn:
    area_code: str
    deadline: dt.datetime


@dataclass(frozen=True)
class RoundIn:
    starts_on: dt.date
    ends_on: dt.date


def campaign_create(*, by, name: str, area_code: str, targets: list[TargetIn], rounds: list[RoundIn],
                    labs: list[Unit] | tuple = ()) -> Campaign:
    """A campaign ordered by a node for target areas in its subtree, each with its deadline, and its rounds."""
    require(by, actions.CAMPAIGN_MANAGE, area_code)
    errors: dict[str, str] = {}
    name = clean_line(name)[:100]
    if not name:
        errors["name"] = _("required")
    if not targets:
        errors["targets"] = _("at least one target area")
    for target in targets:
        require(by, actions.CAMPAIGN_MANAGE, target.area_code)
        if not target.area_code.startswith(area_code):
            errors["targets"] = _("%(code)s is not under the campaign's area") % {"code": target.area_code}
    if len({t.area_code for t in targets}) != len(targets):
        errors["targets"] = _("an area is listed twice")
    if not rounds:
        errors["rounds"] = _("at least one round")
    for r in rounds:
        if r.ends_on < r.starts_on:
            errors["rounds"] = _("a round ends before it starts")
    if any(lab.kind != Unit.Kind.LAB for lab in labs):
        errors["labs"] = _("only laboratories test tubes")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        campaign = Campaign.objects.create(name=name, area_code=area_code,
                                           created_by=by if getattr(by, "pk", None) else None)
        TargetArea.objects.bulk_create([TargetArea(campaign=campaign, area_code=t.area_code, deadline=t.deadline)
                                        for t in targets])
        Round.objects.bulk_create([Round(campaign=campaign, number=n, starts_on=r.starts_on, ends_on=r.ends_on)
                                   for n, r in enumerate(rounds, start=1)])
        campaign.labs.set(labs)
        audit.record(by, actions.CAMPAIGN_MANAGE, obj=campaign, changes={
            "name": name, "targets": {t.area_code: t.deadline for t in targets}, "rounds": len(rounds),
            "labs": [lab.code for lab in labs]})
    return campaign


def site_create(*, by, campaign: Campaign, area_code: str, name: str, opens_at: dt.time,
                closes_at: dt.time) -> SamplingSite:
    require(by, actions.CAMPAIGN_MANAGE, area_code)
    errors: dict[str, str] = {}
    name = clean_line(name)[:100]
    if not name:
        errors["name"] = _("required")
    if closes_at <= opens_at:
        errors["closes_at"] = _("a site closes after it opens")
    if not area_code.startswith(campaign.area_code):
        errors["area_code"] = _("the site lies outside the campaign's area")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        site = SamplingSite.objects.create(campaign=campaign, area_code=area_code, name=name, opens_at=opens_at,
                                           closes_at=closes_at)
        audit.record(by, actions.CAMPAIGN_MANAGE, obj=site, changes={
            "campaign": campaign.pk, "name": name, "opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat()})
    return site


# ---------------------------------------------------------------------------- sampling


def _round_on(campaign: Campaign, day: dt.date) -> Round | None:
    return campaign.rounds.filter(starts_on__lte=day, ends_on__gte=day).first()


def tube_open(*, by, site: SamplingSite, barcode: str, kind: str = Tube.Kind.POOLED,
              at: dt.datetime | None = None) -> Tube:
    """The sampler scans a new tube at a site: it belongs to the round running that day. A barcode already used
    in the campaign is refused (a tube scanned twice)."""
    require(by, actions.SAMPLE_TAKE, site.area_code)
    at = at or timezone.now()
    code = clean_barcode(barcode)
    if kind not in Tube.Kind.values:
        raise InvalidInput({"kind": _("pooled or single")})
    if not site.active:
        raise InvalidInput({"site": _("this sampling site is closed")})
    rnd = _round_on(site.campaign, local_day(at))
    if rnd is None:
        raise InvalidInput({"round": _("no round of this campaign runs today")})
    with transaction.atomic():
        if Tube.objects.filter(campaign_id=site.campaign_id, barcode=code).exists():
            raise InvalidInput({"barcode": _("tube %(code)s was already scanned in this campaign") % {"code": code}})
        tube = Tube.objects.create(campaign_id=site.campaign_id, round=rnd, site=site, area_code=site.area_code,
                                   barcode=code, kind=kind, collected_at=at,
                                   collected_by=by if getattr(by, "pk", None) else None)
        audit.record(by, actions.SAMPLE_TAKE, obj=tube, changes={"barcode": code, "kind": kind, "site": site.pk})
    return tube


@dataclass
class Sampled:
    sample: TubeSample
    count: int  # persons now in the tube
    closed: bool  # the tube is full (or was closed): scan the next tube


def sample_add(*, by, tube: Tube, person: Person, reason: str = "", at: dt.datetime | None = None) -> Sampled:
    """A person's swab into an open tube: refused for a closed or full tube (the 11th person of a pool) and for a
    person already in it; a person already sampled in this round is refused unless a reason is given."""
    require(by, actions.SAMPLE_TAKE, tube.area_code)
    reason = clean_line(reason)[:200]
    at = at or timezone.now()
    with transaction.atomic():
        tube = Tube.objects.select_for_update().select_related("site").get(pk=tube.pk)
        count = tube.samples.count()
        if tube.closed or tube.state != Tube.State.COLLECTED:
            raise InvalidInput({"tube": _("tube %(code)s is closed; scan a new tube") % {"code": tube.barcode}})
        if count >= tube.capacity:
            raise InvalidInput({"tube": _("tube %(code)s already holds %(n)s persons") % {
                "code": tube.barcode, "n": count}})
        if tube.samples.filter(person_id=person.pk).exists():
            raise InvalidInput({"person": _("this person is already in this tube")})
        earlier = (TubeSample.objects.filter(round_id=tube.round_id, person_id=person.pk)
                   .select_related("tube__site").first())
        if earlier is not None and not reason:
            raise RepeatSample(earlier.tube.site.name)
        sample = TubeSample.objects.create(
            tube=tube, person=person, round_id=tube.round_id, area_code=person.area_code, taken_at=at,
            taken_by=by if getattr(by, "pk", None) else None, repeat_reason=reason if earlier else "")
        count += 1
        if count >= tube.capacity:
            tube.closed = True
            tube.save(update_fields=["closed"])
        audit.record(by, actions.SAMPLE_TAKE, obj=sample, area_code=person.area_code, reason=sample.repeat_reason,
                     changes={"tube": tube.barcode, "person": person.pk, "repeat": earlier is not None})
    return Sampled(sample, count, tube.closed)


def tube_close(*, by, tube: Tube) -> Tube:
    """The sampler closes a pool with fewer than ten persons (the queue ended)."""
    require(by, actions.SAMPLE_TAKE, tube.area_code)
    with transaction.atomic():
        tube = Tube.objects.select_for_update().get(pk=tube.pk)
        if not tube.samples.exists():
            raise InvalidInput({"tube": _("an empty tube is not closed; use it for the next person")})
        if not tube.closed:
            tube.closed = True
            tube.save(update_fields=["closed"])
            audit.record(by, actions.SAMPLE_TAKE, obj=tube, changes={"closed": [False, True]})
    return tube


# ---------------------------------------------------------------------------- chain of custody


def box_pack(*, by, site: SamplingSite, code: str, lab: Unit, barcodes: list[str],
             at: dt.datetime | None = None) -> TransferBox:
    """Tubes of a site packed into a transfer box for a laboratory; every tube must be collected and not yet
    boxed. Packing closes a tube."""
    require(by, actions.TUBE_PACK, site.area_code)
    at = at or timezone.now()
    box_code = clean_barcode(code)
    errors: dict[str, str] = {}
    campaign = site.campaign
    if lab.kind != Unit.Kind.LAB or (campaign.labs.exists() and not campaign.labs.filter(pk=lab.pk).exists()):
        errors["lab"] = _("not a laboratory of this campaign")
    codes = []
    for raw in barcodes:
        try:
            codes.append(clean_barcode(raw))
        except InvalidInput:
            errors["barcodes"] = _("%(code)s is not a barcode") % {"code": clean_line(raw)[:40]}
    if not codes:
        errors["barcodes"] = _("no tubes")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        tubes = list(Tube.objects.select_for_update().filter(campaign=campaign, site=site, barcode__in=codes))
        found = {t.barcode: t for t in tubes}
        missing = [c for c in codes if c not in found]
        if missing:
            raise InvalidInput({"barcodes": _("not collected at this site: %(codes)s") % {"codes": ", ".join(missing)}})
        moved = [t.barcode for t in tubes if t.state != Tube.State.COLLECTED]
        if moved:
            raise InvalidInput({"barcodes": _("already packed: %(codes)s") % {"codes": ", ".join(moved)}})
        if TransferBox.objects.filter(campaign=campaign, code=box_code).exists():
            raise InvalidInput({"code": _("box %(code)s is already used in this campaign") % {"code": box_code}})
        user = by if getattr(by, "pk", None) else None
        box = TransferBox.objects.create(campaign=campaign, code=box_code, site=site, area_code=site.area_code,
                                         lab=lab, packed_at=at, packed_by=user)
        Tube.objects.filter(pk__in=[t.pk for t in tubes]).update(
            box=box, lab=lab, state=Tube.State.BOXED, closed=True, boxed_at=at, boxed_by=user)
        audit.record(by, actions.TUBE_PACK, obj=box, count=len(tubes),
                     changes={"lab": lab.code, "tubes": sorted(codes)})
    return box


def box_receive(*, by, box: TransferBox, at: dt.datetime | None = None) -> TransferBox:
    """The laboratory the box was sent to receives it: its tubes are received."""
    require(by, actions.TUBE_RECEIVE, unit=box.lab)
    at = at or timezone.now()
    with transaction.atomic():
        box = TransferBox.objects.select_for_update().get(pk=box.pk)
        if box.received_at is not None:
            raise InvalidInput({"box": _("box %(code)s was already received") % {"code": box.code}})
        user = by if getattr(by, "pk", None) else None
        box.received_at, box.received_by = at, user
        box.save(update_fields=["received_at", "received_by"])
        count = Tube.objects.filter(box=box, state=Tube.State.BOXED).update(
            state=Tube.State.RECEIVED, received_at=at, received_by=user)
        audit.record(by, actions.TUBE_RECEIVE, obj=box, count=count, area_code=box.area_code,
                     changes={"received_at": at})
    return box


# ---------------------------------------------------------------------------- results


@dataclass
class Consequences:
    recalls: list[Recall] = field(default_factory=list)
    case_leads: list[CaseLead] = field(default_factory=list)
    filled_tests: list[int] = field(default_factory=list)
    refresh: list[Person] = field(default_factory=list)


def result_record(*, by, tube: Tube, outcome: str, tested_at: dt.datetime, ct: Decimal | None = None) -> Result:
    """A laboratory's result for a tube it received. A positive pool recalls its persons; a single tube fills the
    test day of its person's open order, and a positive one raises a case to open."""
    if tube.lab_id is not None:
        require(by, actions.RESULT_RECORD, unit=tube.lab)
    else:
        require(by, actions.RESULT_RECORD)
        raise InvalidInput({"tube": _("tube %(code)s was never sent to a laboratory") % {"code": tube.barcode}})
    if outcome not in Result.Outcome.values:
        raise InvalidInput({"result": _("negative, positive or invalid (阴性, 阳性, 无效)")})
    with transaction.atomic():
        tube = Tube.objects.select_for_update().get(pk=tube.pk)
        result, done = _write_result(by, tube, outcome, tested_at, ct)
    for person in done.refresh:
        transaction.on_commit(lambda p=person: health_code_refresh(person=p))
    return result


def _write_result(by, tube: Tube, outcome: str, tested_at: dt.datetime, ct) -> tuple[Result, Consequences]:
    """Inside the caller's transaction, with the tube locked: the result, its consequences and its audit event."""
    if tube.state == Tube.State.RESULTED:
        raise InvalidInput({"tube": _("tube %(code)s already has a result") % {"code": tube.barcode}})
    if tube.state != Tube.State.RECEIVED:
        raise InvalidInput({"tube": _("tube %(code)s was not received by the laboratory") % {"code": tube.barcode}})
    user = by if getattr(by, "pk", None) else None
    result = Result.objects.create(tube=tube, area_code=tube.area_code, outcome=outcome, ct=ct, tested_at=tested_at,
                                   entered_by=user)
    tube.state, tube.resulted_at = Tube.State.RESULTED, tested_at
    tube.save(update_fields=["state", "resulted_at"])
    done = Consequences()
    samples = list(tube.samples.select_related("person", "person__household", "person__household__responsible"))
    if outcome == Result.Outcome.POSITIVE and tube.kind == Tube.Kind.POOLED:
        _recall(tube, samples, local_day(tested_at), done)
    if tube.kind == Tube.Kind.SINGLE and outcome != Result.Outcome.INVALID:
        for sample in samples:
            filled = orders_bridge.fill_test_day(by=by, person_id=sample.person_id, day=local_day(sample.taken_at),
                                                 positive=outcome == Result.Outcome.POSITIVE, at=tested_at)
            if filled:
                done.filled_tests.append(filled)
            if outcome == Result.Outcome.POSITIVE:
                done.case_leads.append(CaseLead.objects.create(tube=tube, person=sample.person,
                                                               area_code=sample.area_code))
            Recall.objects.filter(person_id=sample.person_id, retested_at__isnull=True).update(retested_at=tested_at)
    done.refresh = [s.person for s in samples]
    audit.record(by, actions.RESULT_RECORD, obj=result, changes={
        "tube": tube.barcode, "result": outcome, "ct": ct, "tested_at": tested_at,
        "recalled": [r.person_id for r in done.recalls], "case_leads": [c.person_id for c in done.case_leads],
        "filled_tests": done.filled_tests})
    return result, done


def _recall(tube: Tube, samples: list[TubeSample], day: dt.date, done: Consequences) -> None:
    """Each person of a positive pool: their household and responsible worker, under the order the policy gives a
    positive-pool member (which schedules the single-tube retests)."""
    for sample in samples:
        person = sample.person
        responsible = responsible_for(person.area_code, person.household)
        order_id = orders_bridge.positive_pool_order(person=person, result_day=day, responsible=responsible)
        done.recalls.append(Recall.objects.create(
            tube=tube, person=person, area_code=person.area_code, household=person.household,
            responsible=responsible, order_id=order_id))
