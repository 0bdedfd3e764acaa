import datetime as dt
import json

from django.core.management import call_command
from django.utils import timezone

from fangkong.core.models import AccessLog
from fangkong.imports.models import ImportBatch, ImportReject


def make_log(days_old: int) -> AccessLog:
    entry = AccessLog.objects.create(username="x", action="view_unmasked", object_type="person", object_id="1")
    AccessLog.objects.filter(pk=entry.pk).update(at=timezone.now() - dt.timedelta(days=days_old))
    return entry


def make_reject(days_old: int, resolved: bool) -> ImportReject:
    batch = ImportBatch.objects.create(filename="a.xlsx", sha256="0" * 64, area_code="411402")
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - dt.timedelta(days=days_old))
    return ImportReject.objects.create(batch=batch, row_number=2, reason="bad", raw_sealed="x", resolved=resolved)


def run(capsys, *args) -> dict:
    call_command("purge", "--json", *args)
    return json.loads(capsys.readouterr().out)


def test_it_counts_without_deleting_by_default(db, capsys, settings):
    settings.RETENTION_DAYS = {"access_log": 30, "import_rejects": 10, "audit_log": 3 * 366}
    make_log(31), make_log(29)
    make_reject(11, resolved=True), make_reject(11, resolved=False), make_reject(9, resolved=True)
    out = run(capsys)
    assert out["applied"] is False
    assert out["purged"]["access_log"]["count"] == 1 and out["purged"]["import_rejects"]["count"] == 1
    assert AccessLog.objects.count() == 2 and ImportReject.objects.count() == 3


def test_it_deletes_only_what_is_past_its_period_with_apply(db, capsys, settings):
    settings.RETENTION_DAYS = {"access_log": 30, "import_rejects": 10, "audit_log": 3 * 366}
    keep_log = make_log(29)
    make_log(31)
    keep_open = make_reject(11, resolved=False)
    keep_recent = make_reject(9, resolved=True)
    make_reject(11, resolved=True)
    out = run(capsys, "--apply")
    assert out["purged"]["access_log"]["deleted"] == 1 and out["purged"]["import_rejects"]["deleted"] == 1
    assert set(ImportReject.objects.values_list("pk", flat=True)) == {keep_open.pk, keep_recent.pk}
    assert AccessLog.objects.filter(pk=keep_log.pk).exists()
    assert AccessLog.objects.filter(action="purge", fields="access_log=1,audit_log=0,import_rejects=1").exists()


def test_it_prints_a_readable_dry_run(db, capsys):
    make_log(400)
    call_command("purge")
    out = capsys.readouterr().out
    assert "access_log: would delete (dry run; --apply to delete) 1 access log entries older than 365 days" in out
