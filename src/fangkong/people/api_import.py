"""API for imports: upload a spreadsheet (queued as a background task) and read a batch's status."""

from __future__ import annotations

import datetime as dt

from django.utils import translation
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from fangkong.core.api_support import RecordId, allowed_to, invalid, reject_unknown_query, responses
from fangkong.core.scoping import get_scoped_or_404, scope
from fangkong.imports import pipeline
from fangkong.imports.models import ImportBatch

from . import actions

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


@router.post("", response=responses({202: BatchOut}), auth=allowed_to(actions.IMPORT_RUN))
def import_upload(request, file: File[UploadedFile]):
    """Upload an .xlsx or .csv in the template's layout; the import runs in the background. Poll the batch."""
    try:
        batch = pipeline.batch_submit(user=request.user, upload=file, kind="people", language=translation.get_language() or "")
    except pipeline.ImportFileError as exc:
        raise invalid("file", str(exc)) from exc
    return Status(202, _out(batch))


class BatchQuery(Schema):
    limit: int = Field(20, ge=1, le=100)


@router.get("", response=responses({200: list[BatchOut]}))
def import_list(request, query: Query[BatchQuery]):
    reject_unknown_query(request, BatchQuery)
    batches = scope(ImportBatch.objects.filter(kind="people"), request.user)
    return [_out(b) for b in batches.order_by("-created_at")[: query.limit]]


@router.get("/{pk}", response=responses({200: BatchOut}))
def import_status(request, pk: RecordId):
    """A batch's status and counts, with its first rejected rows (row, column, reason)."""
    reject_unknown_query(request)
    return _out(get_scoped_or_404(ImportBatch.objects.filter(kind="people"), request.user, pk=pk))
