"""Background work of the areas app, run by `fangkong worker`."""

from __future__ import annotations

from django_tasks import task

from fangkong.core.permissions import SCHEDULER

from .services import tallies_refresh


@task()
def refresh_tallies() -> dict:
    """Recount the households and persons under the big nodes (after an import, or from a schedule)."""
    return tallies_refresh(by=SCHEDULER)
