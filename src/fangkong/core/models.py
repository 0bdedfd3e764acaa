from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import Role, can_see_unmasked, can_write


class User(AbstractUser):
    """A user is bound to one area node (by its path code) and one role."""

    area_code = models.CharField(_("area code"), max_length=24, db_index=True, default="")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.READ_ONLY)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    @property
    def sees_unmasked(self) -> bool:
        return can_see_unmasked(self.role)

    @property
    def may_write(self) -> bool:
        return can_write(self.role)


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

