"""The mass-testing API under /api/v1/testing/: campaigns and coverage, sampling, the chain of custody, results
(one by one or a file), recalls and cases to open, a person's tests, and the planner. Every read is cut to the
caller's area (a lab's: to its unit); every write names its action in the authentication step."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from fangkong.core.api_support import (
    AreaCode,
    Body,
    BoundedDateTime,
    IsoDate,
    RecordId,
    Text,
    allowed_to,
    invalid,
    reject_unknown_query,
    responses,
)
from fangkong.core.masking import mask_name
from fangkong.core.models import Unit
from fangkong.healthcodes.models import HealthCode
from fangkong.imports import pipeline
from fangkong.people.selectors import person_get

from . import actions, planning, selectors, services
from .inputs import InvalidInput, clean_barcode, parse_ct, parse_outcome
from .results_import import KIND as RESULTS_KIND

router = Router(tags=["mass testing"])


def _invalid(exc: InvalidInput):
    return Status(422, {"detail": _("invalid input"),
                        "errors": [{"field": k, "reason": str(v)} for k, v in exc.errors.items()]})


# ---------------------------------------------------------------------------- campaigns


class TargetSchema(Schema):
    area_code: AreaCode
    deadline: BoundedDateTime


class RoundSchema(Schema):
    starts_on: IsoDate
    ends_on: IsoDate


class SiteOut(Schema):
    id: int
    area_code: str
    name: str
    opens_at: dt.time
    closes_at: dt.time
    active: bool


class CampaignOut(Schema):
    id: int
    name: str
    area_code: str
    targets: list[TargetSchema]
    rounds: list[RoundSchema]
    labs: list[str]


def _campaign_out(c) -> dict:
    return {"id": c.pk, "name": c.name, "area_code": c.area_code,
            "targets": [{"area_code": t.area_code, "deadline": t.deadline} for t in c.targets.all()],
            "rounds": [{"starts_on": r.starts_on, "ends_on": r.ends_on} for r in c.rounds.all()],
            "labs": [lab.code for lab in c.labs.all()]}


class CampaignIn(Body):
    name: Text = Field(min_length=1, max_length=100)
    area_code: AreaCode
    targets: list[TargetSchema] = Field(min_length=1, max_length=200)
    rounds: list[RoundSchema] = Field(min_length=1, max_length=20)
    labs: list[Text] = Field([], max_length=50, description="laboratory unit codes")


@router.get("/campaigns", response=responses({200: list[CampaignOut]}))
def campaign_list(request):
    return [_campaign_out(c) for c in selectors.campaigns_for(user=request.user)[:200]]


@router.post("/campaigns", response=responses({201: CampaignOut}), auth=allowed_to(actions.CAMPAIGN_MANAGE))
def campaign_create(request, body: CampaignIn):
    labs = list(Unit.objects.filter(code__in=body.labs, kind=Unit.Kind.LAB))
    if len(labs) != len(set(body.labs)):
        raise invalid("labs", _("unknown laboratory code"))
    try:
        campaign = services.campaign_create(
            by=request.user, name=body.name, area_code=body.area_code,
            targets=[services.TargetIn(t.area_code, t.deadline) for t in body.targets],
            rounds=[services.RoundIn(r.starts_on, r.ends_on) for r in body.rounds], labs=labs)
    except InvalidInput as exc:
        return _invalid(exc)
    return Status(201, _campaign_out(campaign))


@router.get("/campaigns/{pk}", response=responses({200: CampaignOut}))
def campaign_detail(request, pk: RecordId):
    return _campaign_out(selectors.campaign_get(user=request.user, pk=pk))


class SiteIn(Body):
    area_code: AreaCode
    name: Text = Field(min_length=1, max_length=100)
    opens_at: dt.time
    closes_at: dt.time


@router.get("/campaigns/{pk}/sites", response=responses({200: list[SiteOut]}))
def site_list(request, pk: RecordId):
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    return list(selectors.sites_for(user=request.user, campaign=campaign))


@router.post("/campaigns/{pk}/sites", response=responses({201: SiteOut}), auth=allowed_to(actions.CAMPAIGN_MANAGE))
def site_create(request, pk: RecordId, body: SiteIn):
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    try:
        site = services.site_create(by=request.user, campaign=campaign, area_code=body.area_code, name=body.name,
                                    opens_at=body.opens_at, closes_at=body.closes_at)
    except InvalidInput as exc:
        return _invalid(exc)
    return Status(201, site)


class CoverageQuery(Schema):
    area: AreaCode | None = Field(None, description="the node whose children are counted (default: yours)")


class CoverageOut(Schema):
    code: str
    name: str
    target: int
    sampled: int
    resulted: int
    positive: int
    not_tested: int


@router.get("/campaigns/{pk}/coverage", response=responses({200: list[CoverageOut]}))
def coverage(request, pk: RecordId, query: Query[CoverageQuery]):
    reject_unknown_query(request, CoverageQuery)
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    parent = query.area or request.user.area_code or campaign.area_code
    return [{**r.__dict__, "not_tested": r.not_tested}
            for r in selectors.coverage(user=request.user, campaign=campaign, parent_code=parent)]


class NotTestedQuery(Schema):
    area: AreaCode | None = None
    limit: int = Field(200, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=10_000_000)


class PersonBrief(Schema):
    id: int
    name: str
    area_code: str
    household_id: int | None


@router.get("/campaigns/{pk}/not-tested", response=responses({200: list[PersonBrief]}))
def not_tested(request, pk: RecordId, query: Query[NotTestedQuery]):
    """Persons of your area in the campaign's targets without a sample in the current round."""
    reject_unknown_query(request, NotTestedQuery)
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    persons = selectors.not_tested(user=request.user, campaign=campaign, area_code=query.area)
    return [{"id": p.pk, "name": p.name, "area_code": p.area_code, "household_id": p.household_id}
            for p in persons[query.offset:query.offset + query.limit]]


class StuckQuery(Schema):
    hours: float = Field(6, gt=0, le=24 * 30, description="hours at one stage beyond which a tube is late")


class StuckOut(Schema):
    barcode: str
    state: str
    site: str
    lab: str | None
    collected_at: dt.datetime


@router.get("/campaigns/{pk}/stuck", response=responses({200: list[StuckOut]}))
def stuck(request, pk: RecordId, query: Query[StuckQuery]):
    """Tubes of your area waiting at one stage (closed but not boxed, boxed but not received, received without a
    result) longer than `hours`."""
    reject_unknown_query(request, StuckQuery)
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    return [{"barcode": t.barcode, "state": t.state, "site": t.site.name, "lab": t.lab.code if t.lab_id else None,
             "collected_at": t.collected_at}
            for t in selectors.stuck_tubes(user=request.user, campaign=campaign, hours=query.hours)[:1000]]


class TurnaroundRow(Schema):
    name: str | None
    tubes: int
    hours: float | None


class TurnaroundOut(Schema):
    sites: list[TurnaroundRow]
    labs: list[TurnaroundRow]


@router.get("/campaigns/{pk}/turnaround", response=responses({200: TurnaroundOut}))
def turnaround(request, pk: RecordId):
    """Mean hours to a result: per site from sampling, per laboratory from receipt."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    found = selectors.turnaround(user=request.user, campaign=campaign)
    return {key: [r.__dict__ for r in rows] for key, rows in found.items()}


# ---------------------------------------------------------------------------- sampling


class TubeIn(Body):
    barcode: Text = Field(min_length=1, max_length=60)
    kind: Literal["pooled", "single"] = "pooled"


class TubeOut(Schema):
    id: int
    barcode: str
    kind: str
    state: str
    closed: bool
    persons: int


def _tube_out(tube) -> dict:
    return {"id": tube.pk, "barcode": tube.barcode, "kind": tube.kind, "state": tube.state, "closed": tube.closed,
            "persons": tube.samples.count()}


@router.post("/sites/{pk}/tubes", response=responses({201: TubeOut}), auth=allowed_to(actions.SAMPLE_TAKE))
def tube_open(request, pk: RecordId, body: TubeIn):
    site = selectors.site_get(user=request.user, pk=pk)
    try:
        tube = services.tube_open(by=request.user, site=site, barcode=body.barcode, kind=body.kind)
    except InvalidInput as exc:
        return _invalid(exc)
    return Status(201, _tube_out(tube))


class SampleIn(Body):
    code: Text = Field(min_length=1, max_length=60, description="the person's health-code token as scanned")
    reason: Text = Field("", max_length=200, description="why a person already sampled in this round is sampled again")


class SampleOut(Schema):
    person: str  # masked name
    persons: int
    closed: bool


@router.post("/tubes/{pk}/samples", response=responses({201: SampleOut}), auth=allowed_to(actions.SAMPLE_TAKE))
def sample_add(request, pk: RecordId, body: SampleIn):
    tube = selectors.tube_get(user=request.user, pk=pk)
    code = HealthCode.objects.select_related("person").filter(token=body.code.strip()).first()
    if code is None:
        raise invalid("code", _("no health code with this token"))
    try:
        done = services.sample_add(by=request.user, tube=tube, person=code.person, reason=body.reason)
    except InvalidInput as exc:
        return _invalid(exc)
    return Status(201, {"person": mask_name(code.person.name), "persons": done.count, "closed": done.closed})


@router.post("/tubes/{pk}/close", response=responses({200: TubeOut}), auth=allowed_to(actions.SAMPLE_TAKE))
def tube_close(request, pk: RecordId):
    tube = selectors.tube_get(user=request.user, pk=pk)
    try:
        tube = services.tube_close(by=request.user, tube=tube)
    except InvalidInput as exc:
        return _invalid(exc)
    return _tube_out(tube)


class BoxIn(Body):
    code: Text = Field(min_length=1, max_length=60)
    lab: Text = Field(min_length=1, max_length=40, description="the laboratory's unit code")
    barcodes: list[Text] = Field(min_length=1, max_length=500)


class BoxOut(Schema):
    id: int
    code: str
    lab: str
    tubes: int
    packed_at: dt.datetime
    received_at: dt.datetime | None


def _box_out(box) -> dict:
    return {"id": box.pk, "code": box.code, "lab": box.lab.code, "tubes": box.tubes.count(),
            "packed_at": box.packed_at, "received_at": box.received_at}


@router.post("/sites/{pk}/boxes", response=responses({201: BoxOut}), auth=allowed_to(actions.TUBE_PACK))
def box_pack(request, pk: RecordId, body: BoxIn):
    site = selectors.site_get(user=request.user, pk=pk)
    lab = Unit.objects.filter(code=body.lab, kind=Unit.Kind.LAB).first()
    if lab is None:
        raise invalid("lab", _("unknown laboratory code"))
    try:
        box = services.box_pack(by=request.user, site=site, code=body.code, lab=lab, barcodes=body.barcodes)
    except InvalidInput as exc:
        return _invalid(exc)
    return Status(201, _box_out(box))


# ---------------------------------------------------------------------------- the laboratory


@router.get("/lab/boxes", response=responses({200: list[BoxOut]}))
def lab_boxes(request):
    """Boxes sent to your laboratory and not yet received."""
    return [_box_out(b) for b in selectors.lab_boxes(user=request.user).filter(received_at__isnull=True)[:500]]


@router.post("/lab/boxes/{pk}/receive", response=responses({200: BoxOut}), auth=allowed_to(actions.TUBE_RECEIVE))
def box_receive(request, pk: RecordId):
    box = selectors.lab_box_get(user=request.user, pk=pk)
    try:
        box = services.box_receive(by=request.user, box=box)
    except InvalidInput as exc:
        return _invalid(exc)
    return _box_out(box)


class TubeResultIn(Body):
    barcode: Text = Field(min_length=1, max_length=60)
    result: Text = Field(min_length=1, max_length=20, description="negative, positive or invalid (阴性, 阳性, 无效)")
    ct: Text = Field("", max_length=10, description="optional Ct value, 0 to 50")
    tested_at: BoundedDateTime | None = Field(None, description="default: now")


class ResultOut(Schema):
    barcode: str
    result: str
    recalled: int
    case_to_open: bool


@router.post("/lab/results", response=responses({201: ResultOut}), auth=allowed_to(actions.RESULT_RECORD))
def result_record(request, body: TubeResultIn):
    try:
        barcode, outcome, ct = clean_barcode(body.barcode), parse_outcome(body.result), parse_ct(body.ct)
    except InvalidInput as exc:
        return _invalid(exc)
    tube = selectors.lab_tube_by_barcode(user=request.user, barcode=barcode)
    try:
        result = services.result_record(by=request.user, tube=tube, outcome=outcome, ct=ct,
                                        tested_at=body.tested_at or timezone.now())
    except InvalidInput as exc:
        return _invalid(exc)
    return Status(201, {"barcode": tube.barcode, "result": result.outcome, "recalled": tube.recalls.count(),
                        "case_to_open": tube.case_leads.exists()})


class ResultsBatchOut(Schema):
    id: int
    status: str
    total_rows: int
    processed_rows: int
    created: int
    rejected: int
    error: str


@router.post("/lab/results/import", response=responses({202: ResultsBatchOut}), auth=allowed_to(actions.RESULT_RECORD))
def results_import(request, file: File[UploadedFile]):
    """Upload a results file (.csv or .xlsx: 试管条码, 检测结果, Ct值 optional, 检测时间); it runs in the background."""
    try:
        batch = pipeline.batch_submit(user=request.user, upload=file, kind=RESULTS_KIND,
                                      language=translation.get_language() or "")
    except pipeline.ImportFileError as exc:
        raise invalid("file", str(exc)) from exc
    return Status(202, batch)


# ---------------------------------------------------------------------------- follow-ups and history


class RecallOut(Schema):
    id: int
    tube: str
    person_id: int
    person: str
    area_code: str
    household_id: int | None
    responsible: str | None
    order_id: int | None
    created_at: dt.datetime
    retested_at: dt.datetime | None


@router.get("/recalls", response=responses({200: list[RecallOut]}))
def recall_list(request):
    """Members of positive pools in your area: who to find, where they live, who is responsible."""
    return [{"id": r.pk, "tube": r.tube.barcode, "person_id": r.person_id, "person": r.person.name,
             "area_code": r.area_code, "household_id": r.household_id,
             "responsible": r.responsible.name if r.responsible_id else None, "order_id": r.order_id,
             "created_at": r.created_at, "retested_at": r.retested_at}
            for r in selectors.recalls_for(user=request.user)[:1000]]


class CaseLeadOut(Schema):
    id: int
    tube: str
    person_id: int
    person: str
    area_code: str
    raised_at: dt.datetime


@router.get("/case-leads", response=responses({200: list[CaseLeadOut]}))
def case_lead_list(request):
    """Positive single tubes: cases to open, on the CDC's list until tracing takes them up."""
    return [{"id": c.pk, "tube": c.tube.barcode, "person_id": c.person_id, "person": c.person.name,
             "area_code": c.area_code, "raised_at": c.raised_at} for c in selectors.case_leads_for(user=request.user)[:1000]]


class TestOut(Schema):
    taken_at: dt.datetime
    site: str
    barcode: str
    kind: str
    state: str
    result: str
    tested_at: dt.datetime | None


class TestsOut(Schema):
    hours_since_negative: float | None
    pending: bool
    tests: list[TestOut]


@router.get("/persons/{pk}/tests", response=responses({200: TestsOut}))
def person_tests(request, pk: RecordId):
    person = person_get(user=request.user, pk=pk)
    rows, recency = selectors.person_tests(user=request.user, person=person)
    return {"hours_since_negative": recency.hours_since_negative, "pending": recency.pending,
            "tests": [{**r.__dict__, "result": r.outcome} for r in rows]}


# ---------------------------------------------------------------------------- planning (pure, no personal data)


class PoolQuery(Schema):
    prevalence: float = Field(gt=0, lt=1)


@router.get("/pool-size", response=responses({200: dict}))
def pool_size(request, query: Query[PoolQuery]):
    reject_unknown_query(request, PoolQuery)
    k, e = planning.best_pool_size(query.prevalence)
    return {"pool_size": k, "tests_per_person": e}


class PlanQuery(Schema):
    population: int = Field(ge=0, le=10**12)
    sites: int = Field(ge=1, le=10**12)
    samplers_per_site: int = Field(ge=1, le=10**12)
    samples_per_sampler_per_hour: float = Field(gt=0, le=1e12)
    hours_per_day: float = Field(gt=0, le=24)
    pool_size: int = Field(ge=1, le=100)
    lab_tubes_per_day: int = Field(ge=1, le=10**12)
    deadline_days: float = Field(gt=0, le=1e12)
    transport_hours: float = Field(0, ge=0, le=1e6)


class ChangeOut(Schema):
    field: str
    current: float
    needed: float


class TestingPlanOut(Schema):
    sampling_days: float
    lab_days: float
    days: float
    bottleneck: str
    meets_deadline: bool
    suggestions: list[ChangeOut]


@router.get("/plan", response=responses({200: TestingPlanOut}))
def plan(request, query: Query[PlanQuery]):
    """Days to sample and to test, the bottleneck, the deadline, and the smallest single changes that meet it."""
    reject_unknown_query(request, PlanQuery)
    try:
        p = planning.parse_plan(query.dict())
    except planning.PlanInvalid as exc:
        raise invalid("plan", str(exc)) from exc
    return {**planning.plan(p).as_dict(), "suggestions": [c.__dict__ for c in planning.suggest(p)]}
