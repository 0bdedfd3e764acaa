"""The risk-area list (风险地区): which division had which level and zone, from when until when.

The tables keep their names from before the split of control (control_riskarea and its history)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class RiskLevel(models.TextChoices):
    HIGH = "high", _("High risk")
    MEDIUM = "medium", _("Medium risk")
    LOW = "low", _("Low risk")


RISK_ORDER = {RiskLevel.LOW: 1, RiskLevel.MEDIUM: 2, RiskLevel.HIGH: 3}


class Zone(models.TextChoices):
    NONE = "", _("No zone")
    SEALED = "sealed", _("Sealed zone (封控区)")
    CONTROLLED = "controlled", _("Controlled zone (管控区)")
    PREVENTION = "prevention", _("Prevention zone (防范区)")


class RiskArea(models.Model):
    """One period during which an area had a risk level (and possibly a zone).

    The area is a division code (any in the country, not only the city's tree: an
    arrival's origin is usually elsewhere) or, for places without a code, a name.
    A level applies to the node and everything under it. `lifted_on` is the first
    day the level no longer applies.
    """

    division_code = models.CharField(_("division code"), max_length=24, blank=True, db_index=True)
    region_name = models.CharField(_("area name"), max_length=200)
    level = models.CharField(_("risk level"), max_length=6, choices=RiskLevel.choices)
    zone = models.CharField(_("zone"), max_length=10, choices=Zone.choices, blank=True, default="")
    starts_on = models.DateField(_("from"))
    lifted_on = models.DateField(_("lifted on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords(table_name="control_historicalriskarea")

    class Meta:
        db_table = "control_riskarea"
        ordering = ["-starts_on", "division_code", "region_name"]
        indexes = [models.Index(fields=["starts_on", "lifted_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lifted_on__isnull=True) | models.Q(lifted_on__gt=models.F("starts_on")),
                name="risk_area_lifted_after_start",
            ),
            models.UniqueConstraint(fields=["division_code", "region_name", "starts_on"], name="risk_area_once_per_start"),
        ]

    def __str__(self) -> str:
        return f"{self.region_name} {self.level} {self.starts_on}–{self.lifted_on or ''}"
