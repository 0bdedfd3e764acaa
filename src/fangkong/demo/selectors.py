"""Reads for the demo app: builds and their progress, for the UI. No personal data here."""

from __future__ import annotations

from .models import DemoBuild


def demo_build_get(*, build_id: int) -> DemoBuild | None:
    return DemoBuild.objects.filter(pk=build_id).first()


def demo_builds_recent(*, limit: int = 10) -> list[DemoBuild]:
    return list(DemoBuild.objects.order_by("-created_at")[:limit])
