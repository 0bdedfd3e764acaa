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


class TooManyRequests(Exception):
    """A user asked for too many sensitive answers in the window (429, with when to try again)."""

    def __init__(self, retry_after: int, what: str = ""):
        super().__init__(what or "too many requests")
        self.retry_after = retry_after
        self.what = what


def log_within_limit(*, user, action: str, limit: int, seconds: int, object_type: str, request=None, **fields) -> None:
    """Write an access-log entry, or refuse with TooManyRequests when the user already has `limit` entries of
    `action` in the last `seconds`. The log is the counter (one indexed range on (username, at)), so the limit
    holds across server processes and every answer given is in the log."""
    import datetime as dt

    from django.utils import timezone

    since = timezone.now() - dt.timedelta(seconds=seconds)
    recent = list(AccessLog.objects.filter(username=getattr(user, "username", ""), action=action, at__gte=since)
                  .order_by("at").values_list("at", flat=True)[:limit])
    if len(recent) >= limit:
        wait = recent[0] + dt.timedelta(seconds=seconds) - timezone.now()
        raise TooManyRequests(max(1, int(wait.total_seconds())), action)
    log_access(user=user, action=action, object_type=object_type, request=request, **fields)
