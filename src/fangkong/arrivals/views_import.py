"""Pages of the arrivals import: upload a 协查 list or a sheet, follow it, download its errors and its feedback."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from fangkong.arrivals import importing as arrival_import
from fangkong.arrivals import selectors
from fangkong.core import exports
from fangkong.core.access import log_access
from fangkong.core.background import no_worker_running
from fangkong.imports import pipeline
from fangkong.imports.models import ImportBatch

REJECTS_SHOWN = 50


@login_required
def arrival_import_upload(request):
    if request.method == "POST":
        upload = request.FILES.get("file")
        kind = request.POST.get("kind", "")
        if upload is None:
            messages.error(request, _("Choose an .xlsx or .csv file to import."))
        else:
            try:
                batch = arrival_import.batch_submit(user=request.user, upload=upload, kind=kind,
                                                    language=translation.get_language() or "")
            except pipeline.ImportFileError as exc:
                messages.error(request, str(exc))
            else:
                return redirect("arrivals:arrival_import_status", pk=batch.pk)
    batches = selectors.arrival_batches(user=request.user).order_by("-created_at")[:20]
    return render(request, "arrivals/arrival_import_upload.html", {"batches": batches})


@login_required
def arrival_import_status(request, pk: int):
    batch = selectors.arrival_batch_get(user=request.user, pk=pk)
    running = batch.status in (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING)
    return render(request, "arrivals/arrival_import_status.html", {
        "batch": batch, "worker_missing": _worker_missing(batch), "running": running, "shown": REJECTS_SHOWN,
        "rejects": batch.rejects.order_by("row_number")[:REJECTS_SHOWN],
        "summary": None if running else arrival_import.feedback_summary(batch),
        "is_xiecha": batch.kind == arrival_import.KIND_XIECHA,
        "may_download": _may_download_errors(request.user, batch),
    })


def _may_download_errors(user, batch: ImportBatch) -> bool:
    """The errors file holds the rows as uploaded, full ID numbers included: the uploader or an unmasked role."""
    return batch.uploaded_by_id == user.pk or user.sees_unmasked


@login_required
def arrival_import_errors(request, pk: int):
    batch = selectors.arrival_batch_get(user=request.user, pk=pk)
    if not _may_download_errors(request.user, batch):
        return HttpResponseForbidden(_("Only the uploader or a role that sees full numbers may download the rejected rows."))
    log_access(user=request.user, action="export", object_type="import_batch", object_id=str(batch.pk),
               fields="rejected_rows", reason="rejected arrival rows for correction", request=request)
    return exports.xlsx_response(f"arrivals-errors-{batch.pk}.xlsx", arrival_import.reject_headers(),
                                 pipeline.reject_rows(batch), title="errors")


@login_required
def arrival_import_feedback(request, pk: int, fmt: str):
    """The list with each row's outcome, to send back to the pushing unit (协查反馈); masked unless the role
    needs full numbers."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    batch = selectors.arrival_batch_get(user=request.user, pk=pk)
    unmasked = request.user.sees_unmasked
    log_access(user=request.user, action="export", object_type="import_batch", object_id=str(batch.pk),
               fields="feedback id_number" if unmasked else "feedback masked", reason="协查 feedback", request=request)
    rows = arrival_import.feedback_rows(batch, unmasked=unmasked)
    name = f"协查反馈-{batch.pk}.{fmt}"
    if fmt == "csv":
        return exports.csv_response(name, arrival_import.FEEDBACK_HEADERS, rows)
    return exports.xlsx_response(name, arrival_import.FEEDBACK_HEADERS, rows, title="协查反馈")


@login_required
def arrival_import_template(request):
    return exports.xlsx_response("来返人员导入模板.xlsx", list(arrival_import.ar.TEMPLATE_COLUMNS.values()),
                                 arrival_import.template_example_rows(), title="来返人员",
                                 notes=arrival_import.template_notes())


def _worker_missing(batch: ImportBatch) -> bool:
    return batch.status == ImportBatch.Status.QUEUED and no_worker_running(waiting_since=batch.created_at)
