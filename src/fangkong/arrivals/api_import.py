"""API of the arrivals import: upload a 协查 list or a sheet (imported in the background), follow the
batch, read the feedback for the pushing unit."""

from __future__ import annotations

import datetime as dt
from itertools import islice
from typing import Literal

from django.utils import translation
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from fangkong.arrivals import actions, selectors
from fangkong.arrivals import importing as arrival_import
from fangkong.core.access import log_access
from fangkong.core.api_support import RecordId, allowed_to, invalid, reject_unknown_query, responses
from fangkong.imports import pipeline
from fangkong.imports.models import ImportBatch

router = Router(tags=["arrivals import"])
REJECTS_LISTED = 100


class ArrivalRejectOut(Schema):
    row: int
    column: str
    reason: str


class ArrivalBatchOut(Schema):
    id: int
    kind: Literal["xiecha", "sheet"]
    filename: str
    status: str
    total_rows: int
    processed_rows: int
    created: int = Field(description="rows whose person was new: registered, arrival routed")
    matched: int = Field(description="rows matched to a registered person, arrival routed")
    unchanged: int = Field(description="rows already registered (same reference, or same person and day)")
    rejected: int = Field(description="rows not registered, the destinations not found in our area included")
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    rejects: list[ArrivalRejectOut]


def _out(batch: ImportBatch) -> dict:
    return {
        **{k: getattr(batch, k) for k in ("filename", "status", "total_rows", "processed_rows", "created_at",
                                          "finished_at", "error")},
        **arrival_import.counts(batch),
        "id": batch.pk,
        "kind": "xiecha" if batch.kind == arrival_import.KIND_XIECHA else "sheet",
        "rejects": [{"row": r.row_number, "column": r.column, "reason": r.reason}
                    for r in batch.rejects.order_by("row_number")[:REJECTS_LISTED]],
    }


@router.post("", response=responses({202: ArrivalBatchOut}), auth=allowed_to(actions.ARRIVAL_IMPORT_RUN))
def arrival_import_upload(request, kind: Form[Literal["xiecha", "sheet"]], file: File[UploadedFile]):
    """Upload a list pushed by another region (kind `xiecha`) or a spreadsheet of arrivals (`sheet`), .xlsx or
    .csv; it is imported in the background. Poll the batch."""
    try:
        batch = arrival_import.batch_submit(user=request.user, upload=file, kind=kind,
                                            language=translation.get_language() or "")
    except pipeline.ImportFileError as exc:
        raise invalid("file", str(exc)) from exc
    return Status(202, _out(batch))


class ArrivalBatchQuery(Schema):
    limit: int = Field(20, ge=1, le=100)


@router.get("", response=responses({200: list[ArrivalBatchOut]}))
def arrival_import_list(request, query: Query[ArrivalBatchQuery]):
    reject_unknown_query(request, ArrivalBatchQuery)
    return [_out(b) for b in selectors.arrival_batches(user=request.user).order_by("-created_at")[: query.limit]]


@router.get("/{pk}", response=responses({200: ArrivalBatchOut}))
def arrival_import_status(request, pk: RecordId):
    """A batch's status and counts, with its first rejected rows (row, column, reason)."""
    reject_unknown_query(request)
    return _out(selectors.arrival_batch_get(user=request.user, pk=pk))


class FeedbackRow(Schema):
    row: int
    reference: str
    pushing_unit: str
    name: str
    id_number: str = Field(description="masked unless the caller's role needs full numbers")
    arrived_on: str
    outcome: str
    destination: str
    responsible: str
    responsible_phone: str = Field(description="the responsible person's published work phone")
    measures: str
    note: str


class FeedbackQuery(Schema):
    limit: int = Field(1000, ge=1, le=10_000)
    offset: int = Field(0, ge=0, le=10_000_000)


@router.get("/{pk}/feedback", response=responses({200: list[FeedbackRow]}))
def arrival_import_feedback(request, pk: RecordId, query: Query[FeedbackQuery]):
    """Every row of the list with its outcome (协查反馈): created, matched, not found in our area, rejected and why."""
    reject_unknown_query(request, FeedbackQuery)
    batch = selectors.arrival_batch_get(user=request.user, pk=pk)
    unmasked = request.user.sees_unmasked
    log_access(user=request.user, action="export", object_type="import_batch", object_id=str(batch.pk),
               fields="feedback id_number" if unmasked else "feedback masked", reason="协查 feedback (API)",
               request=request)
    keys = ("row", "reference", "pushing_unit", "name", "id_number", "arrived_on", "outcome", "destination",
            "responsible", "responsible_phone", "measures", "note")
    rows = islice(arrival_import.feedback_rows(batch, unmasked=unmasked), query.offset, query.offset + query.limit)
    return [dict(zip(keys, row, strict=True)) for row in rows]
