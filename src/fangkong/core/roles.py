"""Roles a user can hold. What each may do is granted in core.grants, checked by core.permissions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_COMMAND = "city_command", _("City command")
    DISTRICT = "district", _("District / county")
    TOWNSHIP = "township", _("Township / street")
    GRID_WORKER = "grid_worker", _("Village / grid worker")
    CDC = "cdc", _("CDC epidemiologist")
    LAB = "lab", _("Laboratory")
    CHECKPOINT = "checkpoint", _("Checkpoint")
    HOSPITAL = "hospital", _("Hospital")
    READ_ONLY = "read_only", _("Read-only")
    AUDITOR = "auditor", _("Auditor")


# Roles with administrative powers that require a TOTP device in production.
ADMIN_ROLES = frozenset({Role.CITY_COMMAND})

