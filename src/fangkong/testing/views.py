"""Pages of mass testing: campaigns with their coverage, the sampling screen (keyboard or scanner: each scan ends
with Enter), the not-yet-tested list, and the laboratory's page (receive boxes, type or upload results)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.core.dates import parse_day
from fangkong.core.models import Unit
from fangkong.core.permissions import may
from fangkong.core.text import clean_line, is_digits, record_number
from fangkong.healthcodes.models import HealthCode
from fangkong.imports import pipeline
from fangkong.imports.models import ImportBatch

from . import actions, selectors, services
from .inputs import InvalidInput, RepeatSample, clean_barcode, parse_ct, parse_outcome
from .models import Tube
from .results_import import KIND as RESULTS_KIND
from .results_import import TEMPLATE as RESULTS_COLUMNS


def _errors(request, exc: InvalidInput) -> None:
    for reason in exc.errors.values():
        messages.error(request, reason)


def _form_date(raw: str | None):
    try:
        return parse_day(clean_line(raw or ""))
    except ValueError:
        return None


@login_required
def campaigns(request):
    """The campaigns covering the user's area; command and CDC start one here (one target area, its deadline day,
    the first round)."""
    if request.method == "POST":
        post = request.POST
        area_code = clean_line(post.get("area_code", ""))
        deadline, starts, ends = (_form_date(post.get(k)) for k in ("deadline", "starts_on", "ends_on"))
        try:
            if not (is_digits(area_code) and deadline and starts and ends):
                raise InvalidInput({"area_code": _("an area code and three dates (YYYY-MM-DD) are needed")})
            end_of_day = timezone.make_aware(dt.datetime.combine(deadline, dt.time(23, 59)))
            item = services.campaign_create(
                by=request.user, name=post.get("name", ""), area_code=area_code,
                targets=[services.TargetIn(area_code, end_of_day)], rounds=[services.RoundIn(starts, ends)],
                labs=list(Unit.objects.filter(kind=Unit.Kind.LAB, active=True)))
        except InvalidInput as exc:
            _errors(request, exc)
        else:
            return redirect("testing:campaign", pk=item.pk)
    return render(request, "testing/campaigns.html", {
        "campaigns": selectors.campaigns_for(user=request.user)[:200],
        "may_manage": may(request.user, actions.CAMPAIGN_MANAGE), "area_code": request.user.area_code})


@login_required
def campaign(request, pk: int):
    item = selectors.campaign_get(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            opens, closes = (dt.time.fromisoformat(clean_line(request.POST.get(k, "")) or "x")
                             for k in ("opens_at", "closes_at"))
        except ValueError:
            messages.error(request, _("opening hours as HH:MM"))
        else:
            try:
                services.site_create(by=request.user, campaign=item, area_code=clean_line(request.POST.get("area_code", "")),
                                     name=request.POST.get("name", ""), opens_at=opens, closes_at=closes)
            except InvalidInput as exc:
                _errors(request, exc)
        return redirect("testing:campaign", pk=item.pk)
    parent = clean_line(request.GET.get("area", ""))
    if not (parent.isascii() and parent.isdigit()):
        parent = request.user.area_code or item.area_code
    rows = selectors.coverage(user=request.user, campaign=item, parent_code=parent)
    total = {k: sum(getattr(r, k) for r in rows) for k in ("target", "sampled", "resulted", "positive", "not_tested")}
    return render(request, "testing/campaign.html", {
        "campaign": item, "rows": rows, "total": total, "parent": parent,
        "round": selectors.current_round(item), "sites": selectors.sites_for(user=request.user, campaign=item),
        "may_sample": may(request.user, actions.SAMPLE_TAKE), "may_manage": may(request.user, actions.CAMPAIGN_MANAGE)})


@login_required
def not_tested(request, pk: int):
    item = selectors.campaign_get(user=request.user, pk=pk)
    persons = selectors.not_tested(user=request.user, campaign=item)[:1000]
    return render(request, "testing/not_tested.html", {"campaign": item, "persons": persons})


@login_required
def sample(request, pk: int):
    """The sampling screen: scan a tube, then each person's code; the tube closes by itself at ten."""
    site = selectors.site_get(user=request.user, pk=pk)
    tube = None
    tube_pk = record_number(request.POST.get("tube") or request.GET.get("tube"))
    if tube_pk:
        tube = Tube.objects.filter(pk=tube_pk, site=site).first()
    ask_reason = ""
    if request.method == "POST":
        try:
            if "barcode" in request.POST:
                kind = Tube.Kind.SINGLE if request.POST.get("kind") == "single" else Tube.Kind.POOLED
                tube = services.tube_open(by=request.user, site=site, barcode=request.POST["barcode"], kind=kind)
            elif "close" in request.POST and tube is not None:
                services.tube_close(by=request.user, tube=tube)
                messages.success(request, _("Tube %(code)s closed.") % {"code": tube.barcode})
                tube = None
            elif "code" in request.POST and tube is not None:
                code = HealthCode.objects.select_related("person").filter(
                    token=clean_line(request.POST["code"])).first()
                if code is None:
                    raise InvalidInput({"code": _("no health code with this token")})
                done = services.sample_add(by=request.user, tube=tube, person=code.person,
                                           reason=request.POST.get("reason", ""))
                if done.closed:
                    messages.success(request, _("Tube %(code)s is full: scan the next tube.") % {"code": tube.barcode})
                    tube = None
        except RepeatSample as exc:
            ask_reason = clean_line(request.POST.get("code", ""))
            _errors(request, exc)
        except InvalidInput as exc:
            _errors(request, exc)
    count = tube.samples.count() if tube is not None else 0
    return render(request, "testing/sample.html", {"site": site, "tube": tube, "count": count,
                                                    "ask_reason": ask_reason})


@login_required
def lab(request):
    """The laboratory's page: boxes to receive, a result typed by barcode, a results file to upload."""
    if request.method == "POST":
        try:
            if "box" in request.POST:
                box = selectors.lab_box_get(user=request.user, pk=record_number(request.POST["box"]) or 0)
                services.box_receive(by=request.user, box=box)
                messages.success(request, _("Box %(code)s received.") % {"code": box.code})
            elif "file" in request.FILES:
                batch = pipeline.batch_submit(user=request.user, upload=request.FILES["file"], kind=RESULTS_KIND,
                                              language=translation.get_language() or "")
                messages.success(request, _("File %(name)s queued.") % {"name": batch.filename})
            elif "barcode" in request.POST:
                barcode = clean_barcode(request.POST["barcode"])
                outcome, ct = parse_outcome(request.POST.get("result")), parse_ct(request.POST.get("ct"))
                tube = selectors.lab_tube_by_barcode(user=request.user, barcode=barcode)
                services.result_record(by=request.user, tube=tube, outcome=outcome, ct=ct, tested_at=timezone.now())
                messages.success(request, _("Result of %(code)s recorded.") % {"code": tube.barcode})
        except InvalidInput as exc:
            _errors(request, exc)
        except pipeline.ImportFileError as exc:
            messages.error(request, str(exc))
        return redirect("testing:lab")
    batches = ImportBatch.objects.filter(kind=RESULTS_KIND, uploaded_by_id=request.user.pk).order_by("-created_at")
    return render(request, "testing/lab.html", {
        "boxes": selectors.lab_boxes(user=request.user).filter(received_at__isnull=True)[:200],
        "waiting": selectors.lab_tubes(user=request.user, state=Tube.State.RECEIVED)[:200],
        "batches": batches[:10], "columns": RESULTS_COLUMNS.values(),
        "may_record": may(request.user, actions.RESULT_RECORD)})
