"""Import of households and persons from a grid worker's spreadsheet (台账): .xlsx or .csv.

The same service runs for the web page (as a background task), the API and
`fangkong import`. A file is read as a stream and handled in chunks; each chunk
is one transaction that writes its persons, households, history, rejected rows,
duplicate candidates and the batch's counters together. A crash therefore leaves
the completed chunks and nothing else, and running the batch again resumes after
them; importing the same file again changes nothing, since persons are keyed on
(document type, document number).

Every lookup is batched per chunk: areas, households, persons by document hash,
persons by name and birth date (for rows without a document and for duplicate
candidates). No query is made per row.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from fangkong.areas.codes import Level
from fangkong.areas.models import Area
from fangkong.core.clock import today as local_today
from fangkong.core.crypto import Sealer
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.core.scoping import in_scope

from . import normalize as nz
from .bulkwrite import insert_with_history
from .dedup import NewPerson, likely_duplicates
from .models import DuplicateCandidate, Household, ImportBatch, ImportReject, Person
from .selectors import follow_merges
from .validation import PersonInvalid, clean_person

CHUNK_SIZE = 2000
PERSON_FIELDS_UPDATED = [
    "name", "birth_date", "sex", "area", "area_code", "household", "relation", "occupation", "residence", "tags",
    "phone_sealed", "phone_hash", "phone_masked",
]

PERSON_COLUMNS = [
    "household_id", "area_id", "area_code", "name", "id_type", "id_number_sealed", "id_number_hash",
    "id_number_masked", "birth_date", "sex", "phone_sealed", "phone_hash", "phone_masked", "relation",
    "occupation", "workplace", "residence", "tags", "merged_into_id", "created_at", "updated_at",
]
HOUSEHOLD_COLUMNS = ["code", "area_id", "area_code", "address", "responsible_id", "created_at", "updated_at"]


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, encoding, missing columns). The message is for the user."""


class SystemUser:
    """The operator of a command-line import without --user: any role's writes, over the whole tree
    or (`area_code`) over one node's subtree."""

    pk = None
    username = "system"
    is_authenticated = True
    is_superuser = True
    may_write = True
    sees_unmasked = False

    def __init__(self, area_code: str = ""):
        self.area_code = area_code


# ---------------------------------------------------------------------------- kinds of import


@dataclass(frozen=True)
class Columns:
    """How one kind of import names its columns: the header of each field in templates, reasons and
    rejects files; the headers it accepts (`nz.alias_table`); the columns a file must have."""

    template: dict[str, str]
    lookup: dict[str, str]
    required: tuple[str, ...]


PEOPLE_COLUMNS = Columns(nz.TEMPLATE_COLUMNS, nz.HEADER_TO_FIELD, nz.REQUIRED)


@dataclass(frozen=True)
class ImportKind:
    """A kind of batch (`ImportBatch.kind`): its columns, and the class that imports a chunk of its rows."""

    columns: Columns
    importer: type  # a ChunkImporter
    chunk_size: int = 2000  # rows per transaction


# Filled below for households and persons, and by other apps for theirs (control: arrivals).
IMPORT_KINDS: dict[str, ImportKind] = {}


# ---------------------------------------------------------------------------- reading files


@dataclass
class SheetRows:
    headers: list[str]
    columns: dict[int, str]  # column index -> field key
    rows: Iterator[tuple[int, list]]  # (spreadsheet row number, cells)
    total: int | None
    close: Callable[[], None] = lambda: None
    spec: Columns = PEOPLE_COLUMNS

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


def open_rows(path: Path, spec: Columns = PEOPLE_COLUMNS) -> SheetRows:
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
    columns, _unknown = nz.map_headers(headers, spec.lookup)
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


def batch_create(*, user, source: Path, filename: str, move: bool = False, kind: str = "people") -> ImportBatch:
    """Keep a copy of the upload (until it has been imported) and queue a batch for it.

    The batch belongs to the uploader's area: that subtree bounds what its rows may write."""
    suffix = Path(filename).suffix.lower()
    if suffix not in {".xlsx", ".xlsm", ".csv", ".txt"}:
        raise ImportFileError(_("unsupported file type %(suffix)s: upload an .xlsx or .csv file") % {"suffix": suffix})
    if kind not in IMPORT_KINDS:
        raise ImportFileError(_("unknown kind of import %(kind)s") % {"kind": kind})
    if not getattr(user, "may_write", False):
        raise ImportFileError(_("your role may not change personal records"))
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
    return batch.uploaded_by or SystemUser(area_code=batch.area_code)


def run_batch(
    batch: ImportBatch | int,
    *,
    language: str | None = None,
    dedup: bool = True,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int | None], None] | None = None,
) -> ImportBatch:
    """Import (or resume) a batch. Completed chunks are committed; on an error the batch is marked failed."""
    if not isinstance(batch, ImportBatch):
        batch = ImportBatch.objects.get(pk=batch)
    if batch.status == ImportBatch.Status.DONE:
        return batch
    kind = IMPORT_KINDS.get(batch.kind)
    if kind is None:
        return _fail(batch, _("unknown kind of import %(kind)s") % {"kind": batch.kind})
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
            rows = islice(sheet.rows, already, None)
            chunk_size = chunk_size or kind.chunk_size
            batch.timings = importer.timings  # seconds per phase, for the benchmark
            while chunk := list(islice(rows, chunk_size)):
                importer._last = time.perf_counter()
                with transaction.atomic():
                    importer.import_chunk(chunk)
                importer._tick("commit")
                if progress:
                    progress(len(chunk))
        except ImportFileError as exc:
            return _fail(batch, str(exc))
        except Exception as exc:
            # Never the row's values in the message: a database error may quote them.
            _fail(batch, _("the import stopped after %(rows)s rows (%(error)s); run it again to finish")
                  % {"rows": ImportBatch.objects.get(pk=batch.pk).processed_rows, "error": type(exc).__name__})
            raise
        finally:
            sheet.close()
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.DONE, finished_at=timezone.now())
    batch.refresh_from_db()
    from fangkong.areas.tasks import refresh_tallies

    refresh_tallies.enqueue()  # the tree's counts of big nodes (areas.selectors._tallies)
    with contextlib.suppress(OSError):
        os.remove(batch.stored_path)  # personal data: keep the upload only until it is imported
    return batch


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


def import_file(*, user, path: Path, dedup: bool = True, language: str | None = None, kind: str = "people",
                **kwargs) -> ImportBatch:
    """Create a batch for a file and run it now (the CLI, tests and benchmarks)."""
    batch = batch_create(user=user, source=path, filename=path.name, kind=kind)
    return run_batch(batch, dedup=dedup, language=language, **kwargs)


# ---------------------------------------------------------------------------- one chunk


def namesakes_of(pairs: set[tuple[str, dt.date]]) -> list[tuple]:
    """Live persons whose (name, birth date) is one of the pairs: one query, exact pairs, on the index.

    (name IN … AND birth_date IN … would also fetch every cross pair, which for common
    names in a large city is thousands of rows per chunk.)
    """
    if not pairs:
        return []
    names = [n for n, _b in pairs]
    dates = [b for _n, b in pairs]
    columns = "p.id, p.name, p.birth_date, p.household_id, p.area_code, p.id_number_hash"
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                f"SELECT {columns} FROM people_person p "  # noqa: S608 - constant SQL, values are parameters
                "JOIN unnest(%s::text[], %s::date[]) AS k(name, birth_date) "
                "ON p.name = k.name AND p.birth_date = k.birth_date WHERE p.merged_into_id IS NULL",
                [names, dates],
            )
            return cur.fetchall()
        rows: list[tuple] = []
        pairs_list = list(pairs)
        for start in range(0, len(pairs_list), 4000):
            part = pairs_list[start:start + 4000]
            values = ", ".join(["(%s, %s)"] * len(part))
            params = [x for n, b in part for x in (n, b.isoformat())]
            # A join on VALUES: SQLite then searches the (name, birth_date) index once per pair
            # (a row-value IN over VALUES would scan the table).
            cur.execute(
                f"SELECT {columns} FROM (VALUES {values}) AS k "  # noqa: S608
                "JOIN people_person p ON p.name = k.column1 AND p.birth_date = k.column2 "
                "WHERE p.merged_into_id IS NULL",
                params,
            )
            for pk, name, born, hid, area_code, doc in cur.fetchall():
                if isinstance(born, str):
                    born = dt.date.fromisoformat(born)
                rows.append((pk, name, born, hid, area_code, doc))
        return rows


@dataclass
class Row:
    number: int
    values: dict  # field key -> the cell as read

    @property
    def raw(self) -> dict[str, str]:
        """The row as uploaded, as text (kept, sealed, only for rejected rows)."""
        return {k: _raw_text(v) for k, v in self.values.items() if k in nz.TEMPLATE_COLUMNS or k == nz.SOURCE_ROW}

    errors: list[tuple[str, str]] = field(default_factory=list)
    area_code: str = ""
    household_code: str = ""
    address: str = ""
    name: str = ""
    id_type: str = ""
    id_number: str = ""
    birth_date: dt.date | None = None
    sex: str = ""
    phone: str = ""
    relation: str = ""
    occupation: str = ""
    residence: str = ""
    tags: list[str] = field(default_factory=list)
    source: tuple[int, int] | None = None
    # filled while importing
    area: Area | None = None
    household_key: tuple | None = None
    doc_key: tuple[str, str] | None = None
    phone_hash: str = ""


def _raw_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def parse_row(number: int, cells: list, columns: dict[int, str], *, today: dt.date) -> Row:
    """Normalise and validate one row; its errors are (field, reason) pairs in the active language."""
    width = len(cells)
    values = {key: (cells[i] if i < width else None) for i, key in columns.items()}
    row = Row(number=number, values=values)

    def cell(key: str, parse):
        try:
            return parse(values.get(key))
        except nz.CellError as exc:
            row.errors.append((key, _(exc.message) % exc.params if exc.params else _(exc.message)))
            return None

    row.area_code = cell("area_code", nz.clean_code) or ""
    row.household_code = cell("household_code", nz.clean_code) or ""
    row.address = nz.clean_text(values.get("address"))[:200]
    row.name = nz.clean_name(values.get("name"))
    id_number = cell("id_number", nz.normalize_id_number)
    id_type = cell("id_type", lambda v: nz.parse_id_type(v, has_number=bool(id_number)))
    birth_date = cell("birth_date", nz.parse_date)
    sex = cell("sex", nz.parse_sex)
    phone = cell("phone", nz.normalize_phone)
    row.relation = nz.clean_text(values.get("relation"))[:20]
    row.occupation = nz.clean_text(values.get("occupation"))[:100]
    row.residence = cell("residence", nz.parse_residence) or ""
    row.tags = nz.parse_tags(values.get("tags"))
    source = nz.clean_text(values.get(nz.SOURCE_ROW))
    if source and ":" in source:
        left, _sep, right = source.partition(":")
        if left.isdecimal() and right.isdecimal():
            row.source = (int(left), int(right))
    if not row.area_code:
        row.errors.append(("area_code", _("an area code is required")))
    elif not row.area_code.isdigit():
        row.errors.append(("area_code", _("an area code has digits only")))
    if row.household_code and not row.household_code.isdigit():
        row.errors.append(("household_code", _("a household code has digits only")))
    bad = {key for key, _reason in row.errors}
    try:
        clean = clean_person(
            name=row.name,
            id_type=id_type or "resident_id",
            id_number="" if "id_number" in bad else (id_number or ""),
            birth_date=None if "birth_date" in bad else birth_date,
            sex="" if "sex" in bad else (sex or ""),
            phone="" if "phone" in bad else (phone or ""),
            today=today,
        )
    except PersonInvalid as exc:
        for key, reason in exc.errors.items():
            if key not in bad:
                row.errors.append((key, str(reason)))
        return row
    row.name, row.id_type, row.id_number = clean.name, clean.id_type, clean.id_number
    row.birth_date, row.sex, row.phone = clean.birth_date, clean.sex, clean.phone
    return row


class ChunkImporter:
    """State kept across the chunks of one run: the uploader, caches of areas, seen documents."""

    def __init__(self, *, batch: ImportBatch, sheet: SheetRows, dedup: bool = True):
        self.batch = batch
        self.user = batch_user(batch)
        self.sheet = sheet
        self.dedup = dedup
        self.sealer = Sealer()
        self.today = local_today()
        self.areas: dict[str, Area | None] = {}
        self.seen_documents: dict[int, int] = {}  # hash prefix -> first row number in this run
        self.reason = f"import batch {batch.pk}"
        self.history_user = batch.uploaded_by
        self.history_user_id = batch.uploaded_by_id
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    # -- helpers
    def _reject(self, row: Row, key: str, reason: str) -> None:
        row.errors.append((key, reason))

    def _load_areas(self, rows: list[Row]) -> None:
        wanted = {r.area_code for r in rows if r.area_code and r.area_code not in self.areas}
        if not wanted:
            return
        found = {a.code: a for a in Area.objects.filter(code__in=wanted).only("id", "code", "level")}
        for code in wanted:
            self.areas[code] = found.get(code)

    # -- the chunk
    def _tick(self, phase: str) -> None:
        """Time spent per phase, summed over the run (the benchmark prints it)."""
        now = time.perf_counter()
        self.timings[phase] = self.timings.get(phase, 0.0) + now - self._last
        self._last = now

    def import_chunk(self, chunk: list[tuple[int, list]]) -> None:
        self._last = time.perf_counter()
        rows = [parse_row(number, cells, self.sheet.columns, today=self.today) for number, cells in chunk]
        self._tick("parse_and_validate")
        self._check_areas(rows)
        self._check_in_file_duplicates(rows)
        self._tick("areas_and_document_hashes")
        households = self._resolve_households([r for r in rows if not r.errors])
        self._tick("households")
        created, updated, unchanged = self._write_persons(rows, households)
        rejected = [r for r in rows if r.errors]
        self._store_rejects(rejected)
        self._resolve_sources([r for r in rows if not r.errors and r.source])
        ImportBatch.objects.filter(pk=self.batch.pk).update(
            processed_rows=self.batch.processed_rows + len(rows),
            created=self.batch.created + created,
            updated=self.batch.updated + updated,
            unchanged=self.batch.unchanged + unchanged,
            rejected=self.batch.rejected + len(rejected),
            duplicates=self.batch.duplicates + self._duplicates_found,
        )
        # The in-memory copy follows only once the chunk's transaction commits; if it rolls
        # back, run_batch stops and the database still has the previous counts.
        self.batch.processed_rows += len(rows)
        self.batch.created += created
        self.batch.updated += updated
        self.batch.unchanged += unchanged
        self.batch.rejected += len(rejected)
        self.batch.duplicates += self._duplicates_found
        self._tick("rejects_and_counters")

    def _check_areas(self, rows: list[Row]) -> None:
        self._load_areas(rows)
        for row in rows:
            if not row.area_code or any(k == "area_code" for k, _r in row.errors):
                continue
            area = self.areas.get(row.area_code)
            if area is None or not in_scope(self.user, area.code):
                # The same words whether it does not exist or is someone else's: no existence leak.
                self._reject(row, "area_code", _("area %(code)s does not exist in your area") % {"code": row.area_code})
            elif area.level < Level.VILLAGE:
                self._reject(row, "area_code", _("area %(code)s is above a village: give the village, grid or "
                                                 "building code") % {"code": row.area_code})
            else:
                row.area = area
            if row.household_code and row.area and not (
                row.household_code.startswith(row.area_code) and len(row.household_code) > len(row.area_code)
            ):
                self._reject(row, "household_code", _("household code %(code)s does not begin with its area code "
                                                      "%(area)s") % {"code": row.household_code, "area": row.area_code})

    def _check_in_file_duplicates(self, rows: list[Row]) -> None:
        for row in rows:
            if row.errors or not row.id_number:
                continue
            digest = self.sealer.lookup_hash(row.id_number)
            row.doc_key = (row.id_type, digest)
            prefix = int(digest[:15], 16) ^ hash(row.id_type)
            first = self.seen_documents.setdefault(prefix, row.number)
            if first != row.number:
                self._reject(row, "id_number", _("the same document number is already in row %(row)s of this file")
                             % {"row": first})

    def _resolve_households(self, rows: list[Row]) -> dict[tuple, Household]:
        """Match households by code, or by address within the area; create the missing ones."""
        by_code = {r.household_code for r in rows if r.household_code}
        by_address = {(r.area.pk, r.address) for r in rows if not r.household_code and r.address}
        found: dict[tuple, Household] = {}
        if by_code:
            for h in Household.objects.filter(code__in=by_code):
                found[("code", h.code)] = h
        if by_address:
            area_ids = {a for a, _addr in by_address}
            addresses = {addr for _a, addr in by_address}
            for h in Household.objects.filter(area_id__in=area_ids, address__in=addresses).order_by("code"):
                found.setdefault(("addr", h.area_id, h.address), h)
        to_create: dict[tuple, Household] = {}
        next_seq: dict[int, int] = {}
        for row in rows:
            if row.household_code:
                key = ("code", row.household_code)
                existing = found.get(key)
                if existing is not None and existing.area_code != row.area_code:
                    self._reject(row, "household_code", _("household %(code)s belongs to another area")
                                 % {"code": row.household_code})
                    continue
            elif row.address:
                key = ("addr", row.area.pk, row.address)
            else:
                continue
            row.household_key = key
            if key in found or key in to_create:
                continue
            if key[0] == "code":
                code = row.household_code
            else:
                if row.area.pk not in next_seq:
                    next_seq[row.area.pk] = 0
                next_seq[row.area.pk] += 1
                code = ""  # filled below, once the areas' highest codes are known
            to_create[key] = Household(code=code, area=row.area, area_code=row.area.code, address=row.address)
        if next_seq:
            highest = dict(
                Household.objects.filter(area_id__in=next_seq).values("area_id").annotate(m=Max("code"))
                .values_list("area_id", "m")
            )
            taken = {h.code for h in to_create.values() if h.code}
            counters: dict[int, int] = {}
            for household in to_create.values():
                if household.code:
                    continue
                area = household.area
                if area.pk not in counters:
                    top = highest.get(area.pk) or ""
                    tail = top[len(area.code):] if top.startswith(area.code) else ""
                    counters[area.pk] = int(tail) if tail.isdigit() else 0
                while True:
                    counters[area.pk] += 1
                    code = f"{area.code}{counters[area.pk]:04d}"
                    if code not in taken:
                        break
                household.code = code
                taken.add(code)
        if to_create:
            now = timezone.now()
            households = list(to_create.values())
            ids = insert_with_history(
                Household, HOUSEHOLD_COLUMNS,
                [(h.code, h.area_id, h.area_code, h.address, None, now, now) for h in households],
                history_user_id=self.history_user_id, reason=self.reason, when=now)
            for key, household, pk in zip(to_create, households, ids, strict=True):
                household.pk = pk
                found[key] = household
        return found

    def _write_persons(self, rows: list[Row], households: dict[tuple, Household]) -> tuple[int, int, int]:
        self._duplicates_found = 0
        rows = [r for r in rows if not r.errors]
        docs = [r.doc_key for r in rows if r.doc_key]
        existing: dict[tuple[str, str], Person] = {}
        if docs:
            merged: dict[tuple[str, str], int] = {}
            for p in Person.objects.filter(id_number_hash__in=[h for _t, h in docs]):
                if p.merged_into_id is None:
                    existing[(p.id_type, p.id_number_hash)] = p
                else:
                    merged[(p.id_type, p.id_number_hash)] = p.merged_into_id
            follow_merges(existing, merged)  # a merged record's document belongs to its target
        # Persons with the same name and birth date: matches rows without a document, and feeds
        # the duplicate queue. One query for the chunk, on the (name, birth_date) index.
        # Only rows that may create a person need their namesakes (a re-import skips the query).
        named = [r for r in rows if r.birth_date and (not r.id_number or (self.dedup and r.doc_key not in existing))]
        namesakes: dict[tuple[str, dt.date], list[tuple]] = {}
        if named:
            for values in namesakes_of({(r.name, r.birth_date) for r in named}):
                namesakes.setdefault((values[1], values[2]), []).append(values)
        self._tick("person_lookups")
        no_doc_matches: dict[int, Person] = {}
        if any(not r.id_number for r in rows):
            wanted_ids = set()
            for r in rows:
                if r.id_number:
                    continue
                hh = households.get(r.household_key) if r.household_key else None
                for pid, _n, _b, hid, area_code, doc_hash in namesakes.get((r.name, r.birth_date), []):
                    if not doc_hash and (hid == hh.pk if hh else (hid is None and area_code == r.area_code)):
                        wanted_ids.add(pid)
            no_doc_matches = Person.objects.in_bulk(wanted_ids) if wanted_ids else {}

        to_create: list[tuple] = []
        new_people: list[NewPerson] = []
        to_update: list[Person] = []
        unchanged = 0
        now = timezone.now()
        for row in rows:
            household = households.get(row.household_key) if row.household_key else None
            if row.household_key and household is None:
                continue  # rejected while resolving households
            person = existing.get(row.doc_key) if row.doc_key else None
            if person is None and not row.id_number:
                for pid, _n, _b, hid, area_code, doc_hash in namesakes.get((row.name, row.birth_date), []):
                    if not doc_hash and (hid == household.pk if household else (hid is None and area_code == row.area_code)):
                        person = no_doc_matches.get(pid)
                        break
            if person is not None and not in_scope(self.user, person.area_code):
                self._reject(row, "id_number", _("a person with this document number is registered in an area "
                                                  "outside yours; ask that area to transfer them"))
                continue
            if row.phone:
                row.phone_hash = self.sealer.lookup_hash(row.phone)
            if person is None:
                doc_hash = row.doc_key[1] if row.doc_key else ""
                household_id = household.pk if household else None
                to_create.append((
                    household_id, row.area.pk, row.area.code, row.name, row.id_type,
                    self.sealer.seal(row.id_number) if row.id_number else "", doc_hash,
                    mask_id_number(row.id_number), row.birth_date, row.sex,
                    self.sealer.seal(row.phone) if row.phone else "", row.phone_hash, mask_phone(row.phone),
                    row.relation, row.occupation, "", row.residence or Person.Residence.RESIDENT, row.tags, None,
                    now, now,
                ))
                new_people.append(NewPerson(0, row.name, row.birth_date, household_id, row.area.code, doc_hash))
            elif self._apply(person, row, household):
                to_update.append(person)
            else:
                unchanged += 1
        self._tick("build_rows_and_seal")
        if to_create:
            ids = insert_with_history(Person, PERSON_COLUMNS, to_create, history_user_id=self.history_user_id,
                                      reason=self.reason, when=now)
            for person, pk in zip(new_people, ids, strict=True):
                person.pk = pk
        self._tick("insert_persons_and_history")
        if to_update:
            bulk_update_with_history(
                to_update, Person, PERSON_FIELDS_UPDATED, default_user=self.history_user,
                default_change_reason=self.reason)
        self._tick("update_persons")
        if self.dedup and new_people:
            self._queue_duplicates(new_people, namesakes)
        self._tick("duplicate_rules")
        return len(to_create), len(to_update), unchanged

    def _apply(self, person: Person, row: Row, household: Household | None) -> bool:
        """Apply a row to an existing person; True when anything changed. Empty optional cells keep what is there."""
        new = {
            "name": row.name, "birth_date": row.birth_date or person.birth_date,
            "sex": row.sex if row.sex != "U" else person.sex,
            "area_id": row.area.pk, "area_code": row.area.code,
            "household_id": household.pk if household else person.household_id,
            "relation": row.relation or person.relation, "occupation": row.occupation or person.occupation,
            "residence": row.residence or person.residence, "tags": row.tags or person.tags,
        }
        changed = any(getattr(person, k) != v for k, v in new.items())
        if row.phone and row.phone_hash != person.phone_hash:
            person.phone_sealed = self.sealer.seal(row.phone)
            person.phone_hash = row.phone_hash
            person.phone_masked = mask_phone(row.phone)
            changed = True
        if changed:
            for key, value in new.items():
                setattr(person, key, value)
        return changed

    def _queue_duplicates(self, created: list[NewPerson], namesakes: dict) -> None:
        """Likely duplicates of the new persons go to the review queue; the import does not wait for anyone."""
        candidates = likely_duplicates(created, namesakes)
        if candidates:
            DuplicateCandidate.objects.bulk_create(candidates, ignore_conflicts=True)
            self._duplicates_found = len(candidates)

    def _store_rejects(self, rows: list[Row]) -> None:
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
                reason=reason[:300], raw_sealed=self.sealer.seal(json.dumps(row.raw, ensure_ascii=False)),
            ))
        ImportReject.objects.bulk_create(objs)

    def _resolve_sources(self, rows: list[Row]) -> None:
        """A fixed row from a rejects file marks its original reject resolved (when the batch is in scope)."""
        by_batch: dict[int, list[int]] = {}
        for row in rows:
            by_batch.setdefault(row.source[0], []).append(row.source[1])
        for batch_id, numbers in by_batch.items():
            qs = ImportReject.objects.filter(batch_id=batch_id, row_number__in=numbers)
            if self.user.area_code:
                qs = qs.filter(batch__area_code__startswith=self.user.area_code)
            qs.update(resolved=True)


# ---------------------------------------------------------------------------- rejects


def reject_rows(batch: ImportBatch) -> Iterator[list]:
    """The rejected rows in the template's layout, then the source row, row number, column and reason."""
    from fangkong.core.crypto import unseal

    template = IMPORT_KINDS[batch.kind].columns.template
    for reject in batch.rejects.order_by("row_number").iterator(chunk_size=2000):
        raw = json.loads(unseal(reject.raw_sealed))
        yield [raw.get(k, "") for k in template] + [
            f"{batch.pk}:{reject.row_number}", reject.row_number, reject.column, reject.reason]


def reject_headers(kind: str = "people") -> list[str]:
    return list(IMPORT_KINDS[kind].columns.template.values()) + list(nz.EXTRA_COLUMNS.values())


# ---------------------------------------------------------------------------- the template


def template_example_rows() -> list[list]:
    """Two example rows (fictional people, valid check characters) so a worker sees the expected forms."""
    from fangkong.core.ids import check_digit

    first17 = "41140219900307123"
    child17 = "41140220150601001"
    return [
        ["", "411402001001001", "幸福路1号", "张三", "居民身份证", first17 + check_digit(first17), "男", "1990-03-07",
         "户主", "13800138000", "教师", "在家", ""],
        ["", "411402001001001", "幸福路1号", "张小明", "居民身份证", child17 + check_digit(child17), "男", "2015-06-01",
         "子", "", "学生", "在家", "学生"],
    ]


def template_notes() -> list[list[str]]:
    """The note sheet: one line per column, what it holds and whether it is required."""
    return [
        [_("Column"), _("Required"), _("What to write")],
        ["户编码", _("no"), _("Household code; it begins with the area code. Leave empty to group persons "
                            "into households by address within the area.")],
        ["区域编码", _("yes"), _("Code of the village, grid or building the person lives in, inside your area.")],
        ["地址", _("no"), _("Address of the household.")],
        ["姓名", _("yes"), _("Name as on the document.")],
        ["证件类型", _("no"), _("居民身份证 (default when a number is given), 护照, 港澳通行证, 台胞证, "
                             "外国人永久居留身份证, 出生医学证明 or 无.")],
        ["证件号码", _("for a resident ID"), _("Format the column as text: Excel keeps only 15 digits of a number, "
                                            "and a number it shows as 4.11402E+17 is refused.")],
        ["性别", _("no"), _("男 or 女; taken from the ID number when there is one.")],
        ["出生日期", _("no"), _("2021-01-30, 2021/1/30, 2021年1月30日 or 20210130; taken from the ID number "
                             "when there is one.")],
        ["与户主关系", _("no"), _("户主, 配偶, 子, 女, 父母…")],
        ["手机号码", _("no"), _("Mainland mobile number, 11 digits.")],
        ["职业", _("no"), _("Occupation.")],
        ["居住状态", _("no"), _("在家, 外出 or 暂住.")],
        ["标签", _("no"), _("Key-population tags separated by commas, e.g. 学生, 冷链, 返乡人员.")],
        [],
        [_("Headers may also be written in English (area code, name, document number…). Importing the same file "
           "again changes nothing; an empty cell does not erase what is already registered.")],
    ]


def batch_submit(*, user, upload, language: str = "", kind: str = "people") -> ImportBatch:
    """Store an uploaded file (a Django UploadedFile) and queue its import as a background task."""
    from .tasks import import_batch

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


IMPORT_KINDS["people"] = ImportKind(PEOPLE_COLUMNS, ChunkImporter, CHUNK_SIZE)
