"""The application's error types: a service raises one of these, and one handler answers it on the API
(core.api_support) and on pages (core.middleware.AppErrorPages), so every app says "invalid", "not
allowed" and "already done" the same way.

Who may do an action at all is the permission policy's (core.permissions.NotPermitted, a 403 too)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


class AppError(Exception):
    """A refusal the caller can act on; `status` is its HTTP answer, `detail` its one-line summary."""

    status = 400
    detail = _("bad request")

    @property
    def field_errors(self) -> list[tuple[str | None, str]]:
        return [(None, str(self))]


class InvalidInput(AppError, ValueError):
    """Bad input: `errors` maps each field to its reason (422)."""

    status = 422
    detail = _("invalid input")

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors

    @property
    def field_errors(self) -> list[tuple[str | None, str]]:
        return [(k, str(v)) for k, v in self.errors.items()]


class NotAllowed(AppError, PermissionDenied):
    """A domain rule refuses this caller (only the applicant, only the level above): 403."""

    status = 403
    detail = _("forbidden")


class AlreadyDone(AppError):
    """The thing was done meanwhile by someone else (409): the first stays."""

    status = 409
    detail = _("conflict")

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def field_errors(self) -> list[tuple[str | None, str]]:
        return [(self.field, self.message)]


def apply_errors(form, errors: dict[str, str]) -> None:
    """Put a service's field errors on the form, so the user sees each next to its field."""
    for field, reason in errors.items():
        form.add_error(field if field in form.fields else None, reason)
