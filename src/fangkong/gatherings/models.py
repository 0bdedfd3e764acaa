"""Gatherings (聚集性活动报批): events of more than 50 people need an approved prevention plan.

The tables keep their names from before the split of control (control_gathering, control_gatheringstep)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.fields import SealedField
from fangkong.healthcodes.models import new_token as _new_token  # noqa: F401 - named by migrations 0002 and 0007
from fangkong.policy.models import ActiveProfile  # noqa: F401 - moved to policy; kept importable here

GATHERING_MIN_ATTENDANCE = 51  # "more than 50 people" need an application; 50 or fewer need none


class GatheringKind(models.TextChoices):
    WEDDING = "wedding", _("Wedding")
    FUNERAL = "funeral", _("Funeral")
    EXHIBITION = "exhibition", _("Exhibition or fair")
    CONFERENCE = "conference", _("Conference or training")
    PERFORMANCE = "performance", _("Performance")
    SPORTS = "sports", _("Sports event")
    FOLK = "folk", _("Temple fair or folk festival")
    PROMOTION = "promotion", _("Commercial promotion")
    OTHER = "other", _("Other")


class GatheringMeasure(models.TextChoices):
    """The prevention measures a plan can tick."""

    SCAN_CODES = "scan_codes", _("Health codes scanned at the entrance (验码)")
    TEMPERATURE = "temperature", _("Temperature checks")
    MASKS = "masks", _("Masks worn")
    DISTANCING = "distancing", _("Distancing (1 m)")
    REGISTRATION = "registration", _("Attendees registered")
    OFFICER = "prevention_officer", _("An on-site prevention officer")


def _gathering_plan_path(instance, filename: str) -> str:
    # The stored name is random: the uploader's file name never becomes a path on the server.
    return f"gatherings/plans/{secrets.token_hex(16)}"


class Gathering(models.Model):
    """An application for an event of more than 50 people, decided by the level above the event's area."""

    class Status(models.TextChoices):
        # A context of their own: "Rejected" elsewhere names an import row that failed its checks.
        SUBMITTED = "submitted", pgettext_lazy("gathering application", "Submitted")
        APPROVED = "approved", pgettext_lazy("gathering application", "Approved")
        REJECTED = "rejected", pgettext_lazy("gathering application", "Rejected")
        WITHDRAWN = "withdrawn", pgettext_lazy("gathering application", "Withdrawn")
        CANCELLED = "cancelled", pgettext_lazy("gathering application", "Cancelled")

    title = models.CharField(_("event"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=GatheringKind.choices)
    organiser = models.CharField(_("organiser"), max_length=200)
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone_sealed = SealedField(default="")
    contact_phone_hash = models.CharField(max_length=64, default="", db_index=True)
    contact_phone_masked = models.CharField(_("contact phone"), max_length=20, default="")
    venue = models.CharField(_("venue"), max_length=200)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("area code"), max_length=24, db_index=True)
    # The node whose users decide (the level above the event's area), kept so "pending for me" is one range query.
    approver_code = models.CharField(max_length=24, db_index=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    expected_attendance = models.PositiveIntegerField(_("expected attendance"))
    plan_text = models.TextField(_("prevention plan"))
    measures = models.JSONField(_("measures"), default=list, blank=True)
    plan_file = models.FileField(upload_to=_gathering_plan_path, blank=True, max_length=200)
    plan_file_name = models.CharField(max_length=120, blank=True)
    plan_file_type = models.CharField(max_length=80, blank=True)
    plan_file_size = models.PositiveIntegerField(null=True, blank=True)
    plan_file_sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        db_table = "control_gathering"
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["status", "area_code"], name="gathering_status_area"),
            models.Index(fields=["status", "starts_at"], name="gathering_status_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="gathering_ends_after_start"),
            models.CheckConstraint(condition=models.Q(expected_attendance__gte=GATHERING_MIN_ATTENDANCE),
                                   name="gathering_more_than_50"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.starts_at:%Y-%m-%d} ({self.status})"

    @property
    def measure_labels(self) -> list[str]:
        labels = dict(GatheringMeasure.choices)
        return [str(labels.get(m, m)) for m in self.measures]


class GatheringStep(models.Model):
    """One step of an application's history: submitted, approved, rejected, withdrawn, cancelled."""

    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(max_length=10, choices=Gathering.Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField(max_length=150, blank=True)  # kept when the user is deleted
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        db_table = "control_gatheringstep"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.gathering_id} {self.status} {self.at:%Y-%m-%d %H:%M}"
