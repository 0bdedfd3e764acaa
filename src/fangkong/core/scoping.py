"""Area scoping: the one mechanism that cuts every query of personal data to the user's subtree.

Area codes are materialised paths of digits (province "41", city "4114", county
"411402", township "411402001", village "411402001001", grid "411402001001001",
…), so "everything under X" is the range [X, successor(X)) on an indexed column:
one B-tree range scan on SQLite and PostgreSQL alike, whatever the collation.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404

M = TypeVar("M", bound=Model)


def _is_system(user) -> bool:
    from .permissions import is_system

    return is_system(user)


def successor(prefix: str) -> str | None:
    """The smallest digit string of the same length greater than every string starting with prefix.

    "4114" -> "4115", "4119" -> "4120", "99" -> None (no upper bound).
    """
    if not prefix:
        return None
    if not (prefix.isascii() and prefix.isdigit()):
        raise ValueError(f"area codes are digits only: {prefix!r}")
    n = int(prefix) + 1
    if len(str(n)) > len(prefix):
        return None
    return str(n).zfill(len(prefix))


def subtree_q(prefix: str, field: str = "area_code") -> Q:
    """Rows whose `field` starts with `prefix` (the node itself and everything under it)."""
    if not prefix:
        return Q()
    upper = successor(prefix)
    q = Q(**{f"{field}__gte": prefix})
    if upper is not None:
        q &= Q(**{f"{field}__lt": upper})
    return q


def in_scope(user, area_code: str) -> bool:
    """Whether a node (by its code) lies in the user's subtree. An unbound user's subtree is empty, unless it
    is a superuser or a system actor (core.permissions.in_area, the one answer)."""
    from .permissions import in_area

    return getattr(user, "is_authenticated", False) and in_area(user, area_code)


def scope(qs: QuerySet[M], user, field: str = "area_code") -> QuerySet[M]:
    """Cut a queryset to the user's subtree. An anonymous or unbound user sees nothing."""
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.area_code == "" and not (user.is_superuser or _is_system(user)):
        return qs.none()
    return qs.filter(subtree_q(user.area_code, field))


def get_scoped_or_404(qs: QuerySet[M], user, field: str = "area_code", **lookup) -> M:
    """The object the user asked for, only if it is in their subtree; 404 otherwise (no existence leak)."""
    try:
        return scope(qs, user, field).get(**lookup)
    except qs.model.DoesNotExist as exc:
        raise Http404 from exc


def require_in_scope(user, area_code: str) -> None:
    if not in_scope(user, area_code):
        raise Http404
