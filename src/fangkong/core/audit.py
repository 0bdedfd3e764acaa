"""Writing the audit log: one append-only event per write, in the write's own transaction.

A service calls `record(...)` inside its `transaction.atomic()` block, after the write: if the write rolls back,
so does its event, and an event never exists for a write that did not happen. Bulk paths (imports, the demo
build, a profile switch, the overdue scan) write one event per batch with `count`.
Sensitive values (ID numbers, phones) are masked before they are stored; callers pass what changed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import connection

from .masking import mask_id_number, mask_phone
from .models import AuditEvent
from .permissions import action as registered_action

# Field names whose values never reach the audit log in clear.
_MASKERS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "contact_phone": mask_phone,
    "responsible_phone": mask_phone,
}
_DROPPED = ("_sealed", "_hash", "password", "token", "digest")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "pk"):
        return value.pk
    return value


def masked_changes(changes: dict[str, Any] | None) -> dict[str, Any]:
    """Before/after values fit to keep: sealed values and secrets dropped, ID numbers and phones masked."""
    out: dict[str, Any] = {}
    for field, value in (changes or {}).items():
        if any(field.endswith(suffix) or suffix in field for suffix in _DROPPED):
            continue
        masker = _MASKERS.get(field)
        if masker is not None:
            if isinstance(value, list | tuple) and len(value) == 2:
                value = [masker(v) if v else v for v in value]
            elif isinstance(value, str):
                value = masker(value)
        out[field] = _plain(value)
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """{field: [before, after]} for the fields whose values differ."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def record(
    actor,
    action: str,
    *,
    obj=None,
    object_type: str = "",
    object_id: Any = "",
    area_code: str = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
    count: int | None = None,
) -> AuditEvent:
    """Append one event. Must run inside the writer's transaction (an atomic block)."""
    registered_action(action)  # an unregistered name is a programming error, not an event
    if not connection.in_atomic_block:
        raise RuntimeError("audit events are written inside the write's transaction (transaction.atomic)")
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or obj.pk
        area_code = area_code or getattr(obj, "area_code", "") or ""
    user_id = getattr(actor, "pk", None)
    return AuditEvent.objects.create(
        actor_id=user_id,
        actor_name=str(getattr(actor, "username", "") or actor or "")[:150],
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        area_code=area_code or "",
        changes=masked_changes(changes),
        reason=(reason or "")[:300],
        count=count,
    )
