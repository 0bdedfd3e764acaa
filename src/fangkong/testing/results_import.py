"""Bulk results from a laboratory: a .csv or .xlsx of tube barcode, result, Ct value (optional) and test time,
run on the shared import pipeline (`imports.pipeline`) as the kind `lab_results`.

Each row is written in its own savepoint inside the chunk's transaction, through the same write as a result
typed on the page (`services._write_result`): a bad row (a tube unknown to this lab, one it never received, one
that already has a result, a malformed value) is kept with its reason for the errors file, and never undoes or
drops the good rows beside it. A lab's user finds only the tubes sent to its own laboratory.

Columns (Chinese or English headers; case, spaces and a note in brackets are ignored):

| field | headers accepted | required | values |
| --- | --- | --- | --- |
| barcode | 试管条码, 管码, 条码, tube barcode, barcode | yes | the tube's barcode |
| result | 检测结果, 结果, result | yes | 阴性 / 阳性 / 无效, negative / positive / invalid |
| ct | Ct值, CT, ct value | no | 0 to 50, one decimal kept |
| tested_at | 检测时间, 报告时间, 时间, tested at, time | yes | YYYY-MM-DD HH:MM[:SS] (Asia/Shanghai) |
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.dates import out_of_range
from fangkong.core.ids import to_halfwidth
from fangkong.core.permissions import is_system, require
from fangkong.core.text import clean_line
from fangkong.healthcodes.services import health_code_refresh
from fangkong.imports import pipeline
from fangkong.imports.columns import alias_table
from fangkong.imports.models import ImportBatch

from . import actions
from .inputs import InvalidInput, clean_barcode, parse_ct, parse_outcome
from .models import Tube

KIND = "lab_results"
CHUNK_SIZE = 2000
TEMPLATE = {"barcode": "试管条码", "result": "检测结果", "ct": "Ct值", "tested_at": "检测时间"}
ALIASES = {
    "barcode": ("试管条码", "管码", "条码", "样本管条码", "tubebarcode", "barcode", "tube"),
    "result": ("检测结果", "结果", "result", "outcome"),
    "ct": ("ct值", "ct", "ctvalue"),
    "tested_at": ("检测时间", "报告时间", "时间", "testedat", "time", "resulttime"),
}
COLUMNS = pipeline.Columns(TEMPLATE, alias_table(ALIASES), ("barcode", "result", "tested_at"))
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%dT%H:%M")


@dataclass
class Row:
    number: int
    values: dict
    errors: list[tuple[str, str]] = field(default_factory=list)
    barcode: str = ""
    outcome: str = ""
    ct: object = None
    tested_at: dt.datetime | None = None
    source: tuple[int, int] | None = None

    def raw(self, columns: dict[int, str] | None = None) -> dict[str, str]:
        return {k: pipeline.raw_text(v) for k, v in self.values.items() if k in TEMPLATE}


def parse_time(raw) -> dt.datetime:
    """A test time as a lab's system writes it; naive times are Asia/Shanghai."""
    if isinstance(raw, dt.datetime):
        value = raw
    else:
        text = to_halfwidth(clean_line(pipeline.raw_text(raw)))
        for fmt in TIME_FORMATS:
            try:
                value = dt.datetime.strptime(text, fmt)  # noqa: DTZ007 - made aware below
                break
            except ValueError:
                continue
        else:
            raise InvalidInput({"tested_at": _("a time such as 2022-04-05 14:30")})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    problem = out_of_range(value.date())
    if problem:
        raise InvalidInput({"tested_at": problem})
    if value > timezone.now() + dt.timedelta(minutes=10):
        raise InvalidInput({"tested_at": _("a test time in the future")})
    return value


def parse_row(number: int, cells: list, columns: dict[int, str]) -> Row:
    values = {key: cells[index] if index < len(cells) else None for index, key in columns.items()}
    row = Row(number, values)
    for key, parse in (("barcode", clean_barcode), ("result", parse_outcome), ("ct", parse_ct),
                       ("tested_at", parse_time)):
        raw = values.get(key)
        try:
            value = parse(raw)
        except InvalidInput as exc:
            row.errors.extend((key, reason) for reason in exc.errors.values())
            continue
        setattr(row, {"result": "outcome"}.get(key, key), value)
    return row


class ResultChunkImporter(pipeline.ChunkImporter):
    @staticmethod
    def parse_chunk(chunk, columns, *, today, sealer=None) -> list[Row]:
        return [parse_row(number, cells, columns) for number, cells in chunk]

    def _tubes(self, barcodes: list[str]) -> dict[str, Tube]:
        """This lab's tubes by barcode (the latest when two campaigns used one barcode); a system actor's: all."""
        qs = Tube.objects.filter(barcode__in=barcodes).order_by("collected_at")
        if not is_system(self.user) and not getattr(self.user, "is_superuser", False):
            qs = qs.filter(lab_id=getattr(self.user, "unit_id", None) or -1)
        return {t.barcode: t for t in qs.select_related("lab")}

    def import_chunk(self, rows: list[Row]) -> None:
        from .services import _write_result  # the one write of a result, shared with the page and the API

        good = [r for r in rows if not r.errors]
        tubes = self._tubes([r.barcode for r in good])
        seen: set[str] = set()
        done = 0
        refresh = []
        for row in good:
            tube = tubes.get(row.barcode)
            if tube is None or row.barcode in seen:
                reason = _("unknown tube") if tube is None else _("the tube is listed twice in this file")
                self._reject(row, "barcode", reason)
                continue
            seen.add(row.barcode)
            try:
                if tube.lab_id:
                    require(self.user, actions.RESULT_RECORD, unit=tube.lab)
                with transaction.atomic():
                    locked = Tube.objects.select_for_update().get(pk=tube.pk)
                    if locked.lab_id is None:
                        raise InvalidInput({"barcode": _("the tube was never sent to a laboratory")})
                    _result, consequences = _write_result(self.user, locked, row.outcome, row.tested_at, row.ct)
            except Http404:
                self._reject(row, "barcode", _("unknown tube"))
                continue
            except InvalidInput as exc:
                for reason in exc.errors.values():
                    self._reject(row, "barcode", reason)
                continue
            done += 1
            refresh.extend(consequences.refresh)
        rejected = [r for r in rows if r.errors]
        self._store_rejects(rejected)
        ImportBatch.objects.filter(pk=self.batch.pk).update(
            processed_rows=self.batch.processed_rows + len(rows), created=self.batch.created + done,
            rejected=self.batch.rejected + len(rejected))
        self.batch.processed_rows += len(rows)
        self.batch.created += done
        self.batch.rejected += len(rejected)
        for person in refresh:
            transaction.on_commit(lambda p=person: health_code_refresh(person=p))


pipeline.IMPORT_KINDS[KIND] = pipeline.ImportKind(COLUMNS, ResultChunkImporter, CHUNK_SIZE, actions.RESULT_RECORD)
