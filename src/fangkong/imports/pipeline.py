"""The import pipeline that every kind of spreadsheet import runs on: households and persons (people),
arrivals and 协查 lists (control), and next the labs' results (testing).

A file is stored, a batch (`ImportBatch`) queued and run by the background worker (or at once by the CLI):
the file is read as a stream (.xlsx, or .csv in UTF-8 or GB18030), its header row matched to the kind's
columns, its rows parsed in chunks (by forked parser processes when the file is large) and written one
chunk per transaction by the kind's `ChunkImporter`; rejected rows are kept sealed (`ImportReject`) for
the errors file. A crash leaves the completed chunks and nothing else; running the batch again resumes
after them, and the importer's `prepare` replays what the done rows hold so the result is that of an
uninterrupted run. Each kind registers itself in IMPORT_KINDS with its columns, importer, chunk size,
the permission it needs and what to do once a batch is done.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import gc
import hashlib
import json
import multiprocessing
import os
import pickle
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from queue import Empty

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.clock import today as local_today
from fangkong.core.crypto import Sealer, unseal
from fangkong.core.permissions import CLI, require

from .columns import EXTRA_COLUMNS, map_headers
from .models import ImportBatch, ImportReject

PARSER_PROCESS_MIN_ROWS = 30_000  # a parser process pays for its start from about three chunks of 10,000 rows
PARSER_QUEUE_CHUNKS = 2


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, encoding, missing columns). The message is for the user."""


def command_line_actor(area_code: str = ""):
    """The operator of a command-line import without --user (the system actor `system:cli`), over the whole
    tree or (`area_code`) over one node's subtree."""
    return CLI.within(area_code)


# ---------------------------------------------------------------------------- kinds of import


@dataclass(frozen=True)
class Columns:
    """How one kind of import names its columns: the header of each field in templates, reasons and
    rejects files; the headers it accepts (`columns.alias_table`); the columns a file must have."""

    template: dict[str, str]
    lookup: dict[str, str]
    required: tuple[str, ...]


@dataclass(frozen=True)
class ImportKind:
    """A kind of batch (`ImportBatch.kind`): its columns, and the class that imports a chunk of its rows."""

    columns: Columns
    importer: type  # a ChunkImporter
    chunk_size: int = 2000  # rows per transaction
    action: str = "people.import.run"  # the permission (core.permissions) an import of this kind needs
    after: Callable[[ImportBatch], None] | None = None  # run once a batch is done (e.g. recount the tree)


# Filled by the apps that own a kind, in their AppConfig.ready() or module: people (households and persons),
# control (arrivals, 协查 lists); next, mass testing (lab results).
IMPORT_KINDS: dict[str, ImportKind] = {}


# ---------------------------------------------------------------------------- reading files


@dataclass
class SheetRows:
    headers: list[str]
    columns: dict[int, str]  # column index -> field key
    rows: Iterator[tuple[int, list]]  # (spreadsheet row number, cells)
    total: int | None
    close: Callable[[], None] = lambda: None
    spec: Columns | None = None

    def header_of(self, key: str) -> str:
        for index, name in self.columns.items():
            if name == key:
                return str(self.headers[index])
        return self.spec.template.get(key, key)


def _csv_encoding(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if exc.start < len(head) - 3:
            return "gb18030"
    return "utf-8"


def _count_lines(path: Path) -> int:
    count = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            count += block.count(b"\n")
    return count


def open_rows(path: Path, spec: Columns) -> SheetRows:
    """The rows of the first sheet of an .xlsx, or of a .csv (UTF-8 with or without BOM, else GB18030)."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return _open_xlsx(path, spec)
    if suffix in {".csv", ".txt"}:
        return _open_csv(path, spec)
    raise ImportFileError(_("unsupported file type %(suffix)s: upload an .xlsx or .csv file") % {"suffix": suffix})


def _open_xlsx(path: Path, spec: Columns) -> SheetRows:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zip, XML or openpyxl errors: the file is not a workbook we can read
        raise ImportFileError(_("the file is not a readable .xlsx workbook")) from exc
    sheet = book.worksheets[0]
    cells = sheet.iter_rows(values_only=True)
    headers = list(next(cells, None) or [])
    columns = _checked_columns(headers, spec)
    total = (sheet.max_row - 1) if sheet.max_row else None

    def rows():
        for number, values in enumerate(cells, start=2):
            if any(v not in (None, "") for v in values):
                yield number, list(values)

    return SheetRows(headers, columns, rows(), total, book.close, spec)


def _open_csv(path: Path, spec: Columns) -> SheetRows:
    encoding = _csv_encoding(path)
    fh = open(path, newline="", encoding=encoding)  # noqa: SIM115 - closed by SheetRows.close
    reader = csv.reader(fh)
    try:
        headers = next(reader, [])
    except UnicodeDecodeError as exc:
        fh.close()
        raise ImportFileError(_("the file is neither UTF-8 nor GB18030 text")) from exc
    columns = _checked_columns(headers, spec)
    total = max(_count_lines(path) - 1, 0)

    def rows():
        try:
            for number, values in enumerate(reader, start=2):
                if any(v.strip() for v in values):
                    yield number, values
        except UnicodeDecodeError as exc:
            raise ImportFileError(_("the file is neither UTF-8 nor GB18030 text")) from exc

    return SheetRows(headers, columns, rows(), total, fh.close, spec)


def _checked_columns(headers: list, spec: Columns) -> dict[int, str]:
    columns, _unknown = map_headers(headers, spec.lookup)
    missing = [spec.template[k] for k in spec.required if k not in columns.values()]
    if missing:
        raise ImportFileError(
            _("the header row has no column %(columns)s; download the template to see the expected columns")
            % {"columns": "、".join(missing)}
        )
    return columns


# ---------------------------------------------------------------------------- batches


def imports_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def batch_create(*, user, source: Path, filename: str, kind: str, move: bool = False) -> ImportBatch:
    """Keep a copy of the upload (until it has been imported) and queue a batch for it.

    The batch belongs to the uploader's area: that subtree bounds what its rows may write."""
    suffix = Path(filename).suffix.lower()
    if suffix not in {".xlsx", ".xlsm", ".csv", ".txt"}:
        raise ImportFileError(_("unsupported file type %(suffix)s: upload an .xlsx or .csv file") % {"suffix": suffix})
    if kind not in IMPORT_KINDS:
        raise ImportFileError(_("unknown kind of import %(kind)s") % {"kind": kind})
    require(user, IMPORT_KINDS[kind].action, user.area_code)
    stored = imports_dir() / f"{uuid.uuid4().hex}{suffix}"
    if move:
        shutil.move(source, stored)
    else:
        shutil.copyfile(source, stored)
    return ImportBatch.objects.create(
        filename=Path(filename).name[:200], stored_path=str(stored), sha256=file_sha256(stored),
        uploaded_by=user if getattr(user, "pk", None) else None, area_code=user.area_code, kind=kind,
    )


def batch_user(batch: ImportBatch):
    return batch.uploaded_by or command_line_actor(batch.area_code)


def run_batch(
    batch: ImportBatch | int,
    *,
    language: str | None = None,
    dedup: bool = True,
    chunk_size: int | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int | None], None] | None = None,
) -> ImportBatch:
    """Import (or resume) a batch. Completed chunks are committed; on an error the batch is marked failed.

    `workers` parser processes read, validate and seal rows while this process writes
    (0: all in this process; None: one when the machine has a spare core and the file is large).
    """
    if not isinstance(batch, ImportBatch):
        batch = ImportBatch.objects.get(pk=batch)
    if batch.status == ImportBatch.Status.DONE:
        return batch
    kind = IMPORT_KINDS.get(batch.kind)
    if kind is None:
        return _fail(batch, _("unknown kind of import %(kind)s") % {"kind": batch.kind})
    actor = require(batch_user(batch), kind.action, batch.area_code)  # still allowed when it runs
    with translation.override(language or settings.LANGUAGE_CODE):
        try:
            sheet = open_rows(Path(batch.stored_path), kind.columns)
        except (ImportFileError, OSError) as exc:
            return _fail(batch, str(exc) if isinstance(exc, ImportFileError) else _("the uploaded file is gone"))
        try:
            already = batch.processed_rows
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportBatch.Status.RUNNING, total_rows=sheet.total or 0, error="")
            batch.refresh_from_db()
            if on_total:
                on_total(sheet.total)
            if progress and already:
                progress(already)
            _widen_sqlite_cache()
            importer = kind.importer(batch=batch, sheet=sheet, dedup=dedup)
            importer.prepare(Path(batch.stored_path), kind, skip=already)
            importer._tick("prepare")
            chunk_size = chunk_size or kind.chunk_size
            batch.timings = importer.timings  # seconds per phase, for the benchmark
            if workers is None:
                workers = default_workers((sheet.total or 0) - already)
            if workers:
                chunks = _parsed_elsewhere(Path(batch.stored_path), kind, skip=already, chunk_size=chunk_size,
                                           today=importer.today, workers=workers)
                parse_phase = "wait_for_parsers"
            else:
                chunks = _parsed_here(sheet, kind, skip=already, chunk_size=chunk_size, today=importer.today,
                                      sealer=importer.sealer)
                parse_phase = "parse_and_validate"
            importer._last = time.perf_counter()
            with contextlib.closing(chunks), fewer_collections():  # closing stops the parsers whatever happens
                for rows in chunks:
                    importer._tick(parse_phase)
                    own_transaction = not connection.in_atomic_block
                    with transaction.atomic():
                        if own_transaction:  # inside a caller's transaction, its settings are the caller's
                            _chunk_settings()
                        importer.import_chunk(rows)
                    importer._tick("commit")
                    if progress:
                        progress(len(rows))
        except ImportFileError as exc:
            return _fail(batch, str(exc))
        except Exception as exc:
            # Never the row's values in the message: a database error may quote them.
            _fail(batch, _("the import stopped after %(rows)s rows (%(error)s); run it again to finish")
                  % {"rows": ImportBatch.objects.get(pk=batch.pk).processed_rows, "error": type(exc).__name__})
            raise
        finally:
            sheet.close()
    # This commit is synchronous: once a batch reads "done", every chunk before it is durable too.
    with transaction.atomic():
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.DONE, finished_at=timezone.now())
        batch.refresh_from_db()
        audit.record(actor, kind.action, obj=batch, count=batch.processed_rows, changes={
            field: getattr(batch, field) for field in ("kind", "filename", "total_rows", "processed_rows", "created",
                                                       "updated", "unchanged", "rejected", "duplicates")})
    if kind.after is not None:
        kind.after(batch)
    with contextlib.suppress(OSError):
        os.remove(batch.stored_path)  # personal data: keep the upload only until it is imported
    return batch


@contextlib.contextmanager
def fewer_collections():
    """Run Python's cyclic garbage collector rarely while rows stream through.

    An import allocates tens of millions of small containers (rows, lists, tuples). With the
    default thresholds the collector runs every 700 of them and, every so often, walks every
    object of the process, Django's included: measured on 20,000 rows, that was about half of
    the time spent parsing and three quarters of the time spent unpickling rows from a parser
    process. Rows make no reference cycles; the objects that existed before the import are set
    aside (gc.freeze) and the thresholds come back afterwards.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _chunk_settings() -> None:
    """Settings for one chunk's transaction (PostgreSQL; SET LOCAL ends with the transaction).

    jit off: the chunk's lookups probe an index a few thousand times in one query. While the
    table fills, the planner's row estimates for them outgrow JIT's cost thresholds and the
    server compiles each query to machine code: measured at 100,000 persons, 0.5 s of
    compiling for a query that runs in 3 ms. Nothing an import runs is long enough to gain.

    synchronous_commit off: the chunk's COMMIT returns before its WAL reaches the disk. A crash
    of the database server (not of the importer) may then lose the last chunks committed in the
    last fraction of a second: each such chunk is lost whole, with the batch counters that
    counted it, so the database stays consistent and resuming the batch redoes exactly those
    chunks. The final "done" is a synchronous commit, which makes all chunks before it durable.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET LOCAL jit = off; SET LOCAL synchronous_commit = off")


def default_workers(rows: int) -> int:
    """One parser process when there is a core for it and enough rows to pay for starting it."""
    if rows < PARSER_PROCESS_MIN_ROWS or (os.cpu_count() or 1) < 2:
        return 0
    return 1


def _parsed_here(sheet: SheetRows, kind: ImportKind, *, skip: int, chunk_size: int, today: dt.date,
                 sealer: Sealer) -> Iterator[list]:
    rows = islice(sheet.rows, skip, None)
    while chunk := list(islice(rows, chunk_size)):
        yield kind.importer.parse_chunk(chunk, sheet.columns, today=today, sealer=sealer)


def _parse_elsewhere(queue, path: Path, kind: ImportKind, skip: int, chunk_size: int, today: dt.date,
                     language: str, index: int, workers: int) -> None:
    """In a parser process: parse chunks index, index + workers, … of the file. Never touches the database."""
    gc.freeze()  # what was there before the fork is never collected here (and stays shared with the writer)
    gc.set_threshold(100_000, 50, 100)  # see fewer_collections
    try:
        with translation.override(language):
            sheet = open_rows(path, kind.columns)
            try:
                rows = islice(sheet.rows, skip, None)
                sealer = Sealer()
                number = 0
                while chunk := list(islice(rows, chunk_size)):
                    if number % workers == index:
                        queue.put(("rows", kind.importer.parse_chunk(chunk, sheet.columns, today=today, sealer=sealer)))
                    number += 1
            finally:
                sheet.close()
        queue.put(("done", None))
    except BaseException as exc:  # handed to the writer, which raises it
        try:
            pickle.dumps(exc)
        except Exception:
            exc = RuntimeError(f"the row parser failed ({type(exc).__name__})")
        queue.put(("error", exc))


def _parsed_elsewhere(path: Path, kind: ImportKind, *, skip: int, chunk_size: int, today: dt.date,
                      workers: int) -> Iterator[list]:
    """The chunks _parsed_here gives, in the same order, parsed by forked processes while this one writes.

    Parser k takes chunks k, k + workers, …; this process takes them back in turn, so the
    order of rows (and of rejected rows, and of the document first seen) does not change.
    The queues are bounded: memory stays flat whichever side is faster.
    """
    ctx = multiprocessing.get_context("fork")  # the parsers inherit settings, keys and translations
    queues = [ctx.Queue(maxsize=PARSER_QUEUE_CHUNKS) for _ in range(workers)]
    language = translation.get_language() or settings.LANGUAGE_CODE
    parsers = [
        ctx.Process(target=_parse_elsewhere, args=(queues[k], path, kind, skip, chunk_size, today, language, k, workers),
                    daemon=True)
        for k in range(workers)
    ]
    for parser in parsers:
        parser.start()
    try:
        number = 0
        while True:
            queue, parser = queues[number % workers], parsers[number % workers]
            while True:
                try:
                    kind, payload = queue.get(timeout=5)
                    break
                except Empty:
                    if not parser.is_alive():
                        raise RuntimeError(f"the row parser stopped (exit code {parser.exitcode})") from None
            if kind == "rows":
                yield payload
                number += 1
            elif kind == "done":
                return
            else:
                raise payload
    finally:
        for parser in parsers:
            if parser.is_alive():
                parser.kill()
            parser.join()
        for queue in queues:
            queue.close()


def _widen_sqlite_cache() -> None:
    """Document and phone hashes are random keys: their index pages are touched all over. SQLite's
    default page cache (2 MB) then rereads pages for every chunk; 256 MB keeps them in memory."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA cache_size = -262144")


def _fail(batch: ImportBatch, message: str) -> ImportBatch:
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.FAILED, error=message[:1000], finished_at=timezone.now())
    batch.refresh_from_db()
    return batch


def import_file(*, user, path: Path, kind: str, dedup: bool = True, language: str | None = None,
                **kwargs) -> ImportBatch:
    """Create a batch for a file and run it now (the CLI, tests and benchmarks)."""
    batch = batch_create(user=user, source=path, filename=path.name, kind=kind)
    return run_batch(batch, dedup=dedup, language=language, **kwargs)


class ChunkImporter:
    """One run of a batch, chunk by chunk; a kind of import subclasses it (people.importing.PersonImporter,
    control.arrival_import.ArrivalChunkImporter, next the lab results).

    State kept across the chunks: the uploader (or the CLI's system actor), the sealer, a cache of areas,
    the time per phase. `parse_chunk` needs no database and may run in a forked parser process;
    `import_chunk` writes what it parsed inside the chunk's transaction.
    """

    def __init__(self, *, batch: ImportBatch, sheet: SheetRows, dedup: bool = True, today: dt.date | None = None):
        self.batch = batch
        self.user = batch_user(batch)
        self.sheet = sheet
        self.dedup = dedup
        self.sealer = Sealer()
        self.today = today or local_today()
        self.areas: dict = {}  # area code -> Area or None, filled by the kinds that resolve areas
        self.reason = f"import batch {batch.pk}"
        self.history_user = batch.uploaded_by
        self.history_user_id = batch.uploaded_by_id
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    @staticmethod
    def parse_chunk(chunk: list[tuple[int, list]], columns: dict[int, str], *, today: dt.date, sealer) -> list:
        """Parse and validate (row number, cells) pairs into rows with `.number`, `.errors` and `.raw(columns)`."""
        raise NotImplementedError

    def import_chunk(self, rows: list) -> None:
        """Write one chunk of parsed rows; the caller holds the chunk's transaction."""
        raise NotImplementedError

    # -- before the first chunk
    def prepare(self, path: Path, kind: ImportKind, *, skip: int) -> None:
        """Before writing: when resuming, replay what the rows done before the interruption hold (`remember`),
        so a resumed run answers as an uninterrupted one. A kind may read more of the file here."""
        if not skip:
            return
        sheet = open_rows(path, kind.columns)
        try:
            done: list[tuple[int, list]] = []
            for count, (number, cells) in enumerate(sheet.rows):
                if count >= skip:
                    break
                done.append((number, cells))
                if len(done) == 10_000:
                    self.remember(self.parse_chunk(done, sheet.columns, today=self.today, sealer=self.sealer))
                    done = []
            if done:
                self.remember(self.parse_chunk(done, sheet.columns, today=self.today, sealer=self.sealer))
        finally:
            sheet.close()

    def remember(self, rows: list) -> None:
        """Replay, without writing, the checks of rows imported before an interruption that later rows meet."""

    # -- helpers
    def _reject(self, row, key: str, reason: str) -> None:
        row.errors.append((key, reason))

    def _tick(self, phase: str) -> None:
        """Time spent per phase, summed over the run (the benchmark prints it)."""
        now = time.perf_counter()
        self.timings[phase] = self.timings.get(phase, 0.0) + now - self._last
        self._last = now

    def _store_rejects(self, rows: list) -> None:
        if not rows:
            return
        objs = []
        for row in rows:
            headers = [self.sheet.header_of(k) for k, _r in row.errors]
            if len(row.errors) == 1:
                reason = row.errors[0][1]
            else:
                reason = "; ".join(f"{h}: {r}" for h, (_k, r) in zip(headers, row.errors, strict=True))
            objs.append(ImportReject(
                batch_id=self.batch.pk, row_number=row.number, column="、".join(dict.fromkeys(headers))[:50],
                reason=reason[:300],
                raw_sealed=self.sealer.seal(json.dumps(row.raw(self.sheet.columns), ensure_ascii=False)),
            ))
        ImportReject.objects.bulk_create(objs)

    def _resolve_sources(self, rows: list) -> None:
        """A fixed row from a rejects file marks its original reject resolved (when the batch is in scope)."""
        by_batch: dict[int, list[int]] = {}
        for row in rows:
            by_batch.setdefault(row.source[0], []).append(row.source[1])
        for batch_id, numbers in by_batch.items():
            qs = ImportReject.objects.filter(batch_id=batch_id, row_number__in=numbers)
            if self.user.area_code:
                qs = qs.filter(batch__area_code__startswith=self.user.area_code)
            qs.update(resolved=True)


def raw_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------------------- rejects


def reject_rows(batch: ImportBatch) -> Iterator[list]:
    """The rejected rows in the template's layout, then the source row, row number, column and reason."""
    template = IMPORT_KINDS[batch.kind].columns.template
    for reject in batch.rejects.order_by("row_number").iterator(chunk_size=2000):
        raw = json.loads(unseal(reject.raw_sealed))
        yield [raw.get(k, "") for k in template] + [
            f"{batch.pk}:{reject.row_number}", reject.row_number, reject.column, reject.reason]


def reject_headers(kind: str) -> list[str]:
    return list(IMPORT_KINDS[kind].columns.template.values()) + list(EXTRA_COLUMNS.values())


def batch_submit(*, user, upload, kind: str, language: str = "") -> ImportBatch:
    """Store an uploaded file (a Django UploadedFile) and queue its import as a background task."""
    from .tasks import import_batch  # the task module imports this one

    suffix = Path(upload.name or "").suffix.lower()
    partial = imports_dir() / f"upload-{uuid.uuid4().hex}{suffix}"
    with open(partial, "wb") as fh:
        for block in upload.chunks():
            fh.write(block)
    try:
        batch = batch_create(user=user, source=partial, filename=upload.name or "upload", move=True, kind=kind)
    finally:
        if partial.exists():
            partial.unlink()
    import_batch.enqueue(batch.pk, language)
    batch.refresh_from_db()
    return batch
