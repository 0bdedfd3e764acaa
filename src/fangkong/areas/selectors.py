"""Reads of the area tree, always cut to the user's subtree."""

from __future__ import annotations

from django.db.models import QuerySet

from fangkong.core.scoping import get_scoped_or_404, scope

from .models import Area, Responsible


def area_list(*, user) -> QuerySet[Area]:
    return scope(Area.objects.all(), user, field="code")


def area_get(*, user, code: str) -> Area:
    return get_scoped_or_404(Area.objects.select_related("parent"), user, field="code", code=code)


def area_children(*, user, area: Area) -> QuerySet[Area]:
    return area_list(user=user).filter(parent=area).order_by("code")


def area_roots(*, user) -> QuerySet[Area]:
    """The user's own node (a user sees their node and everything under it)."""
    return area_list(user=user).filter(code=user.area_code) if user.area_code else Area.objects.filter(parent=None)


def responsibles_of(*, user, area: Area) -> QuerySet[Responsible]:
    return scope(Responsible.objects.filter(area=area, active=True), user)
