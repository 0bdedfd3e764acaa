"""`fangkong purge`: apply the retention periods of settings.RETENTION_DAYS (PIPL).

Dry run by default: counts what is past its period. `--apply` deletes it, in
batches, and records the purge itself in the access log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fangkong.core import audit, clock
from fangkong.core.management.base import print_json
from fangkong.core.models import AccessLog, AuditEvent
from fangkong.core.permissions import CLI

BATCH = 5000


@dataclass(frozen=True)
class Rule:
    key: str  # in settings.RETENTION_DAYS
    model: str  # app_label.Model, looked up lazily so core imports no domain app
    date_field: str  # the moment the retention period runs from
    filters: tuple[tuple[str, object], ...] = ()
    what: str = ""


RULES = (
    Rule("access_log", "core.AccessLog", "at", (), "access log entries"),
    Rule("audit_log", "core.AuditEvent", "at", (), "audit events"),
    Rule("import_rejects", "imports.ImportReject", "batch__created_at", (("resolved", True),), "resolved import rejects"),
)


def expired(rule: Rule, now: dt.datetime):
    days = int(settings.RETENTION_DAYS[rule.key])
    cutoff = now - dt.timedelta(days=days)
    model = apps.get_model(rule.model)
    return days, cutoff, model.objects.filter(**{f"{rule.date_field}__lt": cutoff}, **dict(rule.filters))


class Command(BaseCommand):
    help = "Apply the retention periods (settings.RETENTION_DAYS): dry run with counts; --apply to delete."

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="delete (default: only count)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        missing = [r.key for r in RULES if r.key not in settings.RETENTION_DAYS]
        if missing:
            raise CommandError(f"settings.RETENTION_DAYS lacks {', '.join(missing)}")
        now = clock.now()
        report = {"applied": bool(opts["apply"]), "purged": {}}
        for rule in RULES:
            days, cutoff, qs = expired(rule, now)
            count = qs.count()
            deleted = self._delete(qs, cutoff) if opts["apply"] and count else 0
            report["purged"][rule.key] = {
                "what": rule.what, "retention_days": days, "before": cutoff.isoformat(), "count": count,
                "deleted": deleted,
            }
        if opts["apply"]:
            summary = ",".join(f"{k}={v['deleted']}" for k, v in report["purged"].items())
            with transaction.atomic():
                AccessLog.objects.create(username="(purge)", action="purge", object_type="retention", fields=summary[:200])
                audit.record(CLI, "core.audit.purge", object_type="retention", reason=summary,
                             count=sum(v["deleted"] for v in report["purged"].values()))
        if opts["json"]:
            print_json(report)
            return
        verb = "deleted" if opts["apply"] else "would delete (dry run; --apply to delete)"
        for key, item in report["purged"].items():
            n = item["deleted"] if opts["apply"] else item["count"]
            self.stdout.write(f"{key}: {verb} {n} {item['what']} older than {item['retention_days']} days")

    def _delete(self, qs, cutoff) -> int:
        if qs.model is AuditEvent:  # append-only: its one delete path
            return AuditEvent.purge_before(cutoff)
        total = 0
        model = qs.model
        while True:
            ids = list(qs.order_by().values_list("pk", flat=True)[:BATCH])
            if not ids:
                return total
            with transaction.atomic():
                model.objects.filter(pk__in=ids).delete()
            total += len(ids)
