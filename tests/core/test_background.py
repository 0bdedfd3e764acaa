"""An upload that waits for a background worker when none runs says so on its page, in Chinese."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from fangkong.core.background import no_worker_running
from fangkong.imports.models import ImportBatch

NONE_RUNNING = "没有后台任务进程在运行"


@pytest.fixture
def waiting(user_a):
    return ImportBatch.objects.create(kind="people", filename="台账.xlsx", sha256="0" * 64, uploaded_by=user_a,
                                      area_code=user_a.area_code, created_at=timezone.now() - dt.timedelta(minutes=5))


def _task(**fields) -> DBTaskResult:
    return DBTaskResult.objects.create(id=uuid.uuid4(), task_path="fangkong.imports.tasks.import_batch", args_kwargs={},
                                       backend_name="default", run_after=timezone.now(), **fields)


def test_a_file_waiting_with_no_worker_says_so_on_its_page(client, user_a, waiting):
    client.force_login(user_a)
    page = client.get(f"/people/import/{waiting.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert NONE_RUNNING in page and "fangkong worker" in page


def test_a_fresh_upload_or_a_busy_worker_is_not_called_missing(client, user_a, waiting):
    assert no_worker_running(waiting_since=waiting.created_at)
    assert not no_worker_running(waiting_since=timezone.now() - dt.timedelta(seconds=5))
    busy = _task(status="RUNNING", started_at=timezone.now() - dt.timedelta(minutes=30))
    assert not no_worker_running(waiting_since=waiting.created_at)  # a long task keeps the worker busy
    busy.status, busy.finished_at = "SUCCESSFUL", timezone.now() - dt.timedelta(seconds=10)
    busy.save()
    assert not no_worker_running(waiting_since=waiting.created_at)  # it just finished one
    busy.finished_at = timezone.now() - dt.timedelta(minutes=10)
    busy.save()
    assert no_worker_running(waiting_since=waiting.created_at)


def test_a_running_import_shows_no_such_warning(client, user_a, waiting):
    waiting.status = ImportBatch.Status.RUNNING
    waiting.save()
    client.force_login(user_a)
    assert NONE_RUNNING not in client.get(f"/people/import/{waiting.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
