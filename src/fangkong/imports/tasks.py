"""The import task, run by `fangkong worker` (django-tasks, database backend), for every kind of import."""

from __future__ import annotations

from django_tasks import task


@task()
def import_batch(batch_id: int, language: str = "") -> dict:
    """Import (or resume) an uploaded spreadsheet; returns the batch's counts."""
    from .pipeline import run_batch

    batch = run_batch(batch_id, language=language or None)
    return {
        "status": batch.status, "created": batch.created, "updated": batch.updated,
        "unchanged": batch.unchanged, "rejected": batch.rejected, "duplicates": batch.duplicates,
    }
