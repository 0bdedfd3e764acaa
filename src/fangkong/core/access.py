"""Writing the access log: who saw which personal data, when and why."""

from __future__ import annotations

from .models import AccessLog


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR")


def log_access(
    *, user, action: str, object_type: str, object_id: str = "", fields: str = "", reason: str = "", request=None
) -> AccessLog:
    """Record one access. Callers pass identifiers of records, never the ID number or phone itself."""
    return AccessLog.objects.create(
        user=user if getattr(user, "pk", None) else None,
        username=getattr(user, "username", "") or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        fields=fields,
        reason=reason[:200],
        ip=client_ip(request),
    )
