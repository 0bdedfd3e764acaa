"""Is anything taking background work? A page whose task waits says so when no worker is running.

The task queue (django-tasks with its database backend) keeps no worker heartbeat, so the answer is read
from the queue itself: a worker that runs starts or finishes tasks, or is in the middle of one.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone


def no_worker_running(*, waiting_since: dt.datetime, now: dt.datetime | None = None) -> bool:
    """True when a task has waited longer than WORKER_SILENCE_SECONDS and, in that time, no task was started or
    finished and none is running: nothing is taking work from the queue (`fangkong worker` is not running)."""
    if "django_tasks_db" not in settings.TASKS["default"]["BACKEND"]:
        return False  # the immediate backend (tests, a single process) runs tasks as they are queued
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    since = now - dt.timedelta(seconds=settings.WORKER_SILENCE_SECONDS)
    if waiting_since > since:
        return False
    busy = Q(status="RUNNING") | Q(started_at__gte=since) | Q(finished_at__gte=since)
    return not DBTaskResult.objects.filter(busy).exists()
