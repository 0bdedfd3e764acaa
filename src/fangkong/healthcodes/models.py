"""Health codes (健康码): a person's current colour, every change of it, and every scan of it.

The colour is derived from statuses that other apps contribute (healthcodes.providers); this app
imports none of them. The tables were created by control (migrations 0002, 0007, 0014) and keep
their names: the models moved here (healthcodes.0001, control.0016) without touching the data.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import AppendOnlyQuerySet


def new_token() -> str:
    return secrets.token_urlsafe(32)


class HealthCode(models.Model):
    """A person's current health-code colour, recomputed on every event that affects it.

    The QR token identifies the person to checkpoint and venue scanners without carrying
    any personal data; a verification answers only the colour, a masked name and the time.
    """

    class Colour(models.TextChoices):
        GREEN = "green", _("Green")
        YELLOW = "yellow", _("Yellow")
        RED = "red", _("Red")

    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="health_code")
    area_code = models.CharField(max_length=24)
    token = models.CharField(max_length=43, default=new_token)
    colour = models.CharField(max_length=6, choices=Colour.choices, default=Colour.GREEN)
    reasons = models.JSONField(default=list)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "control_healthcode"
        # Declared here rather than with unique=/db_index= on the fields, so PostgreSQL gets no LIKE
        # twins: tokens are matched exactly and areas by range. A code is rewritten on every event
        # that affects it; its table also leaves room on each page (migration 0007) so such an
        # update, which changes no indexed column, stays on its page and writes no index.
        constraints = [models.UniqueConstraint(fields=["token"], name="healthcode_token_unique")]
        indexes = [models.Index(fields=["area_code"], name="healthcode_area")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.colour}"


class HealthCodeChange(models.Model):
    """One change of a person's code colour, with its cause, written with the change itself (set-based when
    colours change in bulk). Append-only: it answers "what colour had this person on day D" and "how many
    reds on day D" (healthcodes.selectors.colour_on, colour_counts_on). A code created green writes no row:
    a person without a row has been green all along."""

    # No database constraint: a profile switch adds these by the hundred thousand, for persons that exist.
    person = models.ForeignKey("people.Person", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    area_code = models.CharField(max_length=24)
    at = models.DateTimeField(default=timezone.now)
    colour_from = models.CharField(max_length=6, blank=True)  # "" for a code created with this colour
    colour_to = models.CharField(max_length=6)
    cause = models.JSONField(default=list)  # the statuses the colour rules saw (categories, confirmed, overdue_test)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        db_table = "control_healthcodechange"
        indexes = [models.Index(fields=["person", "at"], name="colourchange_person_at"),
                   models.Index(fields=["area_code", "at"], name="colourchange_area_at")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.colour_from}->{self.colour_to} {self.at:%Y-%m-%d %H:%M}"


class Verification(models.Model):
    """Every scan of a health code at a checkpoint or venue (验码)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    person = models.ForeignKey("people.Person", null=True, on_delete=models.SET_NULL, related_name="+")
    device = models.CharField(max_length=64)
    colour = models.CharField(max_length=6)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        db_table = "control_verification"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.device} {self.colour}"
