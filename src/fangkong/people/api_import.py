"""API for imports: upload a spreadsheet (queued as a background task) and read a batch's status."""

from __future__ import annotations

import datetime as dt

from django.utils import translation
from ninja import File, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.responses import Status

from fangkong.core.scoping import get_scoped_or_404, scope

from . import importing
from .models import ImportBatch

router = Router(tags=["imports"])
REJECTS_LISTED = 100


class RejectOut(Schema):
    row: int
    column: str
    reason: str


class BatchOut(Schema):
    id: int
    filename: str
    status: str
    total_rows: int
    processed_rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    duplicates: int
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    rejects: list[RejectOut]


class ErrorOut(Schema):
    detail: str


def _out(batch: ImportBatch) -> dict:
    return {
        **{k: getattr(batch, k) for k in (
            "filename", "status", "total_rows", "processed_rows", "created", "updated", "unchanged", "rejected",
            "duplicates", "error", "created_at", "finished_at")},
        "id": batch.pk,
        "rejects": [
            {"row": r.row_number, "column": r.column, "reason": r.reason}
            for r in batch.rejects.order_by("row_number")[:REJECTS_LISTED]
        ],
    }


@router.post("", response={202: BatchOut, 422: ErrorOut})
def import_upload(request, file: File[UploadedFile]):
    """Upload an .xlsx or .csv in the template's layout; the import runs in the background. Poll the batch."""
    try:
        batch = importing.batch_submit(user=request.user, upload=file, language=translation.get_language() or "")
    except importing.ImportFileError as exc:
        return Status(422, {"detail": str(exc)})
    return Status(202, _out(batch))


@router.get("", response=list[BatchOut])
def import_list(request, limit: int = 20):
    if not 1 <= limit <= 100:
        raise HttpError(422, "limit must be between 1 and 100")
    return [_out(b) for b in scope(ImportBatch.objects.all(), request.user).order_by("-created_at")[:limit]]


@router.get("/{int:pk}", response=BatchOut)
def import_status(request, pk: int):
    """A batch's status and counts, with its first rejected rows (row, column, reason)."""
    return _out(get_scoped_or_404(ImportBatch.objects.all(), request.user, pk=pk))
