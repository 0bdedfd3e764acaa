"""Which policy profile is in force. The profiles themselves are versioned files (policy/profiles/*.yaml)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ActiveProfile(models.Model):
    """Which policy profile is in force; a new row per switch keeps the history of switches.

    Moved here from control, which still writes the switch, so that every app (areas' team sizes, testing,
    tracing) can read the profile in force without importing control. Its table keeps its first name."""

    name = models.CharField(max_length=60)
    version = models.PositiveIntegerField()
    activated_at = models.DateTimeField(default=timezone.now)
    activated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    changed_orders = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "control_activeprofile"
        ordering = ["-activated_at"]
        get_latest_by = "activated_at"

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
