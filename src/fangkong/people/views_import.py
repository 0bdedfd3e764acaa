"""Import pages (upload, progress and result, rejects, template), exports of the person list, duplicate review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core import exports
from fangkong.core.access import log_access
from fangkong.core.background import no_worker_running
from fangkong.core.permissions import NotPermitted
from fangkong.core.scoping import get_scoped_or_404, scope
from fangkong.imports import pipeline
from fangkong.imports.models import ImportBatch

from . import dedup, importing, selectors, services
from .models import Person
from .validation import PersonInvalid

REJECTS_SHOWN = 50


def batch_get(*, user, pk: int) -> ImportBatch:
    return get_scoped_or_404(ImportBatch.objects.filter(kind="people"), user, pk=pk)


@login_required
def import_upload(request):
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose an .xlsx or .csv file to import."))
        else:
            try:
                batch = pipeline.batch_submit(user=request.user, upload=upload, kind="people",
                                               language=translation.get_language() or "")
            except pipeline.ImportFileError as exc:
                messages.error(request, str(exc))
            else:
                return redirect("people:import_status", pk=batch.pk)
    batches = scope(ImportBatch.objects.filter(kind="people"), request.user).order_by("-created_at")[:20]
    return render(request, "people/import_upload.html", {"batches": batches})


@login_required
def import_status(request, pk: int):
    batch = batch_get(user=request.user, pk=pk)
    rejects = batch.rejects.order_by("row_number")[:REJECTS_SHOWN]
    running = batch.status in (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING)
    return render(request, "people/import_status.html", {
        "batch": batch, "worker_missing": _worker_missing(batch), "rejects": rejects, "running": running, "shown": REJECTS_SHOWN,
        "may_download": _may_download_rejects(request.user, batch),
    })


def _may_download_rejects(user, batch: ImportBatch) -> bool:
    """The rejected rows hold what was uploaded, full ID numbers included: the uploader or an unmasked role."""
    return batch.uploaded_by_id == user.pk or user.sees_unmasked


@login_required
def import_rejects(request, pk: int):
    batch = batch_get(user=request.user, pk=pk)
    if not _may_download_rejects(request.user, batch):
        return HttpResponseForbidden(_("Only the uploader or a role that sees full numbers may download the rejected rows."))
    log_access(user=request.user, action="export", object_type="import_batch", object_id=str(batch.pk),
               fields="rejected_rows", reason="rejected rows for correction", request=request)
    return exports.xlsx_response(
        f"rejects-{batch.pk}.xlsx", pipeline.reject_headers(batch.kind), pipeline.reject_rows(batch), title="rejects")


@login_required
def import_template(request):
    return exports.xlsx_response(
        "台账导入模板.xlsx", list(importing.nz.TEMPLATE_COLUMNS.values()), importing.template_example_rows(),
        title="台账", notes=importing.template_notes(),
        text_columns=[importing.nz.TEMPLATE_COLUMNS[k] for k in ("household_code", "area_code", "id_number", "phone")])


# ---------------------------------------------------------------------------- exports of the person list

EXPORT_HEADER = ["姓名", "证件类型", "证件号码", "性别", "年龄", "手机号码", "区域编码", "户编码", "地址", "与户主关系",
                 "职业", "居住状态", "标签"]


def person_export_rows(qs):
    """Masked values only, and the age rather than the birth date (core.masking); streamed in chunks."""
    from fangkong.core.clock import today
    from fangkong.core.masking import birth_year_age

    now = today()
    sex = dict(Person.Sex.choices)
    residence = dict(Person.Residence.choices)
    id_types = dict(Person.IdType.choices)
    fields = ("name", "id_type", "id_number_masked", "sex", "birth_date", "phone_masked", "area_code",
              "household__code", "household__address", "relation", "occupation", "residence", "tags")
    for row in qs.values_list(*fields).iterator(chunk_size=2000):
        (name, id_type, number, sx, born, phone, area_code, hh_code, address, relation, occupation, res, tags) = row
        yield [name, str(id_types.get(id_type, id_type)), number, str(sex.get(sx, sx)),
               birth_year_age(born, now) if born else "", phone, area_code, hh_code or "", address or "", relation,
               occupation, str(residence.get(res, res)), "、".join(tags or [])]


@login_required
def person_export(request, fmt: str):
    area = request.GET.get("area") or None
    qs = selectors.person_list(user=request.user, area_code=area).order_by("area_code", "id")
    # The entry names how many persons left the platform and under which filter.
    log_access(user=request.user, action="export", object_type="person", fields=f"masked list of {qs.count()} persons",
               reason=f"person list {fmt} filter area={area or request.user.area_code}", request=request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        return exports.csv_response(f"persons-{stamp}.csv", EXPORT_HEADER, person_export_rows(qs))
    if fmt == "xlsx":
        return exports.xlsx_response(f"persons-{stamp}.xlsx", EXPORT_HEADER, person_export_rows(qs), title="persons")
    raise Http404


# ---------------------------------------------------------------------------- duplicate review


@login_required
def duplicate_list(request):
    page = Paginator(dedup.candidate_list(user=request.user).order_by("-found_at", "id"), 50).get_page(
        request.GET.get("page"))
    return render(request, "people/dedup_list.html", {"page": page})


@login_required
def duplicate_detail(request, pk: int):
    candidate = dedup.candidate_get(user=request.user, pk=pk)
    # Both records must be visible to the reviewer; otherwise the pair is not theirs to judge.
    first = selectors.person_get(user=request.user, pk=candidate.person_id)
    second = selectors.person_get(user=request.user, pk=candidate.other_id)
    return render(request, "people/dedup_detail.html", {"candidate": candidate, "pair": (first, second)})


@login_required
@require_POST
def duplicate_decide(request, pk: int):
    candidate = dedup.candidate_get(user=request.user, pk=pk)
    first = selectors.person_get(user=request.user, pk=candidate.person_id)
    second = selectors.person_get(user=request.user, pk=candidate.other_id)
    action = request.POST.get("action")
    try:
        if action == "keep_both":
            dedup.keep_both(user=request.user, candidate=candidate)
            messages.success(request, _("Kept both records."))
        elif action == "merge":
            keep_id = int(request.POST.get("keep", "0") or 0)
            if keep_id not in (first.pk, second.pk):
                raise PersonInvalid({"keep": _("choose the record to keep")})
            keep, drop = (first, second) if keep_id == first.pk else (second, first)
            services.person_merge(user=request.user, keep=keep, drop=drop, candidate=candidate)
            messages.success(request, _("Merged into the kept record; the other one is kept in history."))
        else:
            raise PersonInvalid({"action": _("choose merge or keep both")})
    except PersonInvalid as exc:
        messages.error(request, "; ".join(str(v) for v in exc.errors.values()))
        return redirect("people:duplicate", pk=candidate.pk)
    except NotPermitted:
        return HttpResponseForbidden(_("Your role may not change personal records."))
    return redirect("people:duplicates")


def _worker_missing(batch: ImportBatch) -> bool:
    return batch.status == ImportBatch.Status.QUEUED and no_worker_running(waiting_since=batch.created_at)
