from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import Role


class Unit(models.Model):
    """A body a user can work for besides an area: a laboratory, a hospital, a township health centre, a hotel,
    a venue. The permission policy checks a unit-bound action against the user's unit (core.permissions.require)."""

    class Kind(models.TextChoices):
        LAB = "lab", _("Laboratory")
        HOSPITAL = "hospital", _("Hospital")
        HEALTH_CENTRE = "health_centre", _("Township health centre")
        HOTEL = "hotel", _("Hotel")
        VENUE = "venue", _("Venue")
        ISOLATION_SITE = "isolation_site", _("Isolation site")
        EMPLOYER = "employer", _("Employer")

    code = models.CharField(_("unit code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    area_code = models.CharField(_("area code"), max_length=24, db_index=True)
    active = models.BooleanField(_("active"), default=True)

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A user is bound to one area node (by its path code) and one role, and may work for a unit as well."""

    area_code = models.CharField(_("area code"), max_length=24, db_index=True, default="")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.READ_ONLY)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="users",
                             verbose_name=_("unit"))

    @property
    def sees_unmasked(self) -> bool:
        from .permissions import role_allows

        return role_allows(self, "people.person.reveal")


class AccessLog(models.Model):
    """Every read of unmasked personal data, and every lookup by an exact ID number."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150)  # kept when the user is deleted
    action = models.CharField(max_length=40)  # view_unmasked, lookup_id, export, verify…
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    fields = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["username", "at"], name="accesslog_user_at"),
            models.Index(fields=["action", "at"], name="accesslog_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type}:{self.object_id}"


class ApiToken(models.Model):
    """Bearer token for the REST API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name: str = "") -> tuple[ApiToken, str]:
        token = "fk_" + secrets.token_urlsafe(32)
        row = cls.objects.create(user=user, name=name, prefix=token[:8], digest=cls.digest_of(token))
        return row, token



class AppendOnlyQuerySet(models.QuerySet):
    """Append-only: no update or delete through the ORM (the audit log, the colour history)."""

    def update(self, **kwargs):
        raise TypeError("audit events are append-only")

    def delete(self):
        raise TypeError("audit events are append-only; `fangkong purge` removes them past retention")


class AuditEvent(models.Model):
    """One write: who did which action to what, where, with the changed fields before/after (sensitive values
    masked), and why. Written by the service in the write's own transaction (core.audit.record); bulk paths
    write one event per batch with its counts."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
                              db_constraint=False, related_name="+")
    actor_name = models.CharField(max_length=150)  # the username or system actor; kept when the user goes
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    area_code = models.CharField(max_length=24, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)  # rows touched, for one event per batch

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["area_code", "at"], name="audit_area_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["actor_name", "at"], name="audit_actor_at"),
            models.Index(fields=["action", "at"], name="audit_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("audit events are append-only")

    @classmethod
    def purge_before(cls, cutoff) -> int:
        """Remove events older than the retention period (the only delete there is)."""
        from django.db import connections, transaction

        qs = models.QuerySet(cls).filter(at__lt=cutoff)
        with transaction.atomic(using=qs.db):
            if connections[qs.db].vendor == "postgresql":
                with connections[qs.db].cursor() as cur:  # the trigger lets this transaction delete
                    cur.execute("SELECT set_config('fangkong.purge', 'on', true)")
            return qs._raw_delete(qs.db)


class RateCounter(models.Model):
    """Hits of one rate-limit key in one fixed time window, shared by every server process.

    `name` is the rule and a keyed hash of what is limited (never a raw IP address);
    `bucket` is the window's number (epoch seconds // window length); `expires` is when
    the row may be deleted (epoch seconds). Incremented with one atomic upsert.
    """

    name = models.CharField(max_length=100)
    bucket = models.BigIntegerField()
    hits = models.PositiveIntegerField(default=0)
    expires = models.BigIntegerField(db_index=True)

    class Meta:
        db_table = "control_ratecounter"  # its name from before it moved out of control
        constraints = [models.UniqueConstraint(fields=["name", "bucket"], name="ratecounter_once_per_window")]

    def __str__(self) -> str:
        return f"{self.name}@{self.bucket}: {self.hits}"
