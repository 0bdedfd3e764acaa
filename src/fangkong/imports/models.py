"""Batches of spreadsheet imports of every kind and their rejected rows. The tables were created by people
(they keep their names): the models moved here (imports.0001, people.0006) without touching the data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import SealedField


class ImportBatch(models.Model):
    """One upload of a grid worker's spreadsheet (台账), and what became of every row."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=20, default="people")
    filename = models.CharField(max_length=200)
    stored_path = models.CharField(max_length=400, blank=True)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    area_code = models.CharField(max_length=24, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "people_importbatch"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    @property
    def progress_percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class ImportReject(models.Model):
    """A row that was not imported, with its reason; kept so it can be fixed and re-submitted."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rejects")
    row_number = models.PositiveIntegerField()
    column = models.CharField(max_length=50, blank=True)
    reason = models.CharField(max_length=300)
    # The row as uploaded: it may hold an ID number, so it is sealed like every other copy.
    raw_sealed = SealedField()
    resolved = models.BooleanField(default=False)

    class Meta:
        db_table = "people_importreject"
        ordering = ["batch", "row_number"]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.reason}"
