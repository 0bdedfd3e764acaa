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

import contextlib
import datetime as dt
import json
from pathlib import Path
from typing import NamedTuple

from django.db import connection
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from fangkong.areas.codes import Level
from fangkong.areas.models import Area
from fangkong.core import audit
from fangkong.core.bulkwrite import fetch_with_arrays, insert_with_history, select_in
from fangkong.core.crypto import Sealer
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.core.permissions import may
from fangkong.core.scoping import in_scope
from fangkong.imports.models import ImportBatch
from fangkong.imports.pipeline import (
    IMPORT_KINDS,
    ChunkImporter,
    Columns,
    ImportKind,
    SheetRows,
    open_rows,
    raw_text,
)

from . import normalize as nz
from .actions import TRANSFER_REQUEST
from .dedup import NewPerson, likely_duplicates
from .models import DuplicateCandidate, Household, Person
from .selectors import follow_merges
from .validation import PersonInvalid, clean_person

# Rows per transaction. Larger chunks mean fewer lookups, statements and commits per row
# (10,000 against 2,000: about 8 % less CPU for the database server, measured at 100,000
# rows); a crash redoes at most one chunk.
CHUNK_SIZE = 10_000
# Files with fewer rows are parsed in the importing process: with fewer than three chunks
# a parser process has little to overlap with, and starting one costs more.
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


PEOPLE_COLUMNS = Columns(nz.TEMPLATE_COLUMNS, nz.HEADER_TO_FIELD, nz.REQUIRED)


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
    if connection.vendor == "postgresql":
        # One index probe per pair (see bulkwrite.select_in for the LATERAL … OFFSET 0).
        return fetch_with_arrays(
            f"SELECT {columns} FROM unnest(%b::text[], %b::date[]) AS k(name, birth_date) "  # noqa: S608
            "CROSS JOIN LATERAL (SELECT * FROM people_person p WHERE p.name = k.name "
            "AND p.birth_date = k.birth_date AND p.merged_into_id IS NULL OFFSET 0) AS p",
            [names, dates],
        )
    with connection.cursor() as cur:
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


def households_at(pairs: set[tuple[int, str]]) -> list[tuple]:
    """(id, area_id, address, area_code) of the households at these (area id, address) pairs, lowest code
    first: one query on the (area_id, address) index, exact pairs (not every area times every address)."""
    if not pairs:
        return []
    columns = "h.id, h.area_id, h.address, h.area_code, h.code"
    table = Household._meta.db_table
    if connection.vendor == "postgresql":
        # One index probe per pair (see bulkwrite.select_in for the LATERAL … OFFSET 0).
        rows = fetch_with_arrays(
            f"SELECT {columns} FROM unnest(%b::bigint[], %b::text[]) AS k(area_id, address) "  # noqa: S608
            f"CROSS JOIN LATERAL (SELECT * FROM {table} h WHERE h.area_id = k.area_id "
            "AND h.address = k.address OFFSET 0) AS h",
            [[a for a, _addr in pairs], [addr for _a, addr in pairs]],
        )
    else:
        with connection.cursor() as cur:
            rows = []
            pairs_list = list(pairs)
            for start in range(0, len(pairs_list), 4000):
                part = pairs_list[start:start + 4000]
                values = ", ".join(["(%s, %s)"] * len(part))
                cur.execute(
                    f"SELECT {columns} FROM (VALUES {values}) AS k "  # noqa: S608
                    f"JOIN {table} h ON h.area_id = k.column1 AND h.address = k.column2",
                    [x for pair in part for x in pair],
                )
                rows.extend(cur.fetchall())
    return [r[:4] for r in sorted(rows, key=lambda r: r[4])]


class Row:
    """One spreadsheet row as parsed and validated, with its keyed hashes and sealed values when valid.

    A plain class with slots that pickles as one tuple: rows cross from a parser process to the
    writer by the thousand, and a dataclass costs several times more to pickle and unpickle.
    """

    # Filled by the parser (and sent from a parser process, in this order):
    SENT = (
        "number", "cells", "errors", "area_code", "household_code", "address", "name", "id_type", "id_number",
        "birth_date", "sex", "phone", "relation", "occupation", "residence", "tags", "source",
        "doc_hash", "id_sealed", "id_masked", "phone_hash", "phone_sealed", "phone_masked",
    )
    # Filled by the writer, from the database:
    __slots__ = (*SENT, "area", "household_key", "doc_key")

    def __init__(self, number: int, cells: list, errors: list | None = None, area_code: str = "",
                 household_code: str = "", address: str = "", name: str = "", id_type: str = "",
                 id_number: str = "", birth_date: dt.date | None = None, sex: str = "", phone: str = "",
                 relation: str = "", occupation: str = "", residence: str = "", tags: list | None = None,
                 source: tuple[int, int] | None = None, doc_hash: str = "", id_sealed: str = "",
                 id_masked: str = "", phone_hash: str = "", phone_sealed: str = "", phone_masked: str = ""):
        self.number = number
        self.cells = cells  # the cells as read: only a rejected row needs them again
        self.errors: list[tuple[str, str]] = [] if errors is None else errors
        self.area_code = area_code
        self.household_code = household_code
        self.address = address
        self.name = name
        self.id_type = id_type
        self.id_number = id_number
        self.birth_date = birth_date
        self.sex = sex
        self.phone = phone
        self.relation = relation
        self.occupation = occupation
        self.residence = residence
        self.tags: list[str] = [] if tags is None else tags
        self.source = source
        self.doc_hash = doc_hash
        self.id_sealed = id_sealed
        self.id_masked = id_masked
        self.phone_hash = phone_hash
        self.phone_sealed = phone_sealed
        self.phone_masked = phone_masked
        self.area: Area | None = None
        self.household_key: tuple | None = None
        self.doc_key: tuple[str, str] | None = None

    def __reduce__(self):
        return Row, tuple(getattr(self, name) for name in Row.SENT)

    def __eq__(self, other) -> bool:
        return isinstance(other, Row) and all(getattr(self, n) == getattr(other, n) for n in Row.SENT)

    __hash__ = None

    def __repr__(self) -> str:  # never the row's values: they are personal data
        return f"<Row {self.number}{' rejected' if self.errors else ''}>"

    def raw(self, columns: dict[int, str]) -> dict[str, str]:
        """The row as uploaded, as text (kept, sealed, only for rejected rows)."""
        width = len(self.cells)
        return {
            key: raw_text(self.cells[i] if i < width else None)
            for i, key in columns.items() if key in nz.TEMPLATE_COLUMNS or key == nz.SOURCE_ROW
        }


def parse_row(number: int, cells: list, columns: dict[int, str], *, today: dt.date) -> Row:
    """Normalise and validate one row; its errors are (field, reason) pairs in the active language."""
    width = len(cells)
    values = {key: (cells[i] if i < width else None) for i, key in columns.items()}
    row = Row(number, cells)

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


def seal_row(row: Row, sealer: Sealer) -> None:
    """Keyed hashes, sealed and masked forms of a valid row's document number and phone."""
    if row.id_number:
        row.doc_hash = sealer.lookup_hash(row.id_number)
        row.id_sealed = sealer.seal(row.id_number)
        row.id_masked = mask_id_number(row.id_number)
    if row.phone:
        row.phone_hash = sealer.lookup_hash(row.phone)
        row.phone_sealed = sealer.seal(row.phone)
        row.phone_masked = mask_phone(row.phone)


def parse_chunk(chunk: list[tuple[int, list]], columns: dict[int, str], *, today: dt.date,
                sealer: Sealer) -> list[Row]:
    """Parse, validate and seal a chunk of (row number, cells): the part of an import that needs no database."""
    rows = [parse_row(number, cells, columns, today=today) for number, cells in chunk]
    for row in rows:
        if not row.errors:
            seal_row(row, sealer)
    return rows


class HouseholdRef(NamedTuple):
    """A household as the importer needs it: its key and its area."""

    pk: int
    area_code: str


class Stored(NamedTuple):
    """What the importer compares of a person already registered (no model instance per row)."""

    pk: int
    id_type: str
    id_number_hash: str
    merged_into_id: int | None
    name: str
    birth_date: dt.date | None
    sex: str
    area_id: int
    area_code: str
    household_id: int | None
    relation: str
    occupation: str
    residence: str
    tags: list
    phone_hash: str


STORED_COLUMNS = ["id", *(Person._meta.get_field(f).column for f in Stored._fields[1:])]


def stored_persons(key: str, values) -> list[Stored]:
    """Persons whose column `key` is one of `values`, as `Stored` tuples: one query, no model instances."""
    out = []
    for row in select_in(Person._meta.db_table, STORED_COLUMNS, key, values):
        *head, born, sex, area_id, area_code, household_id, relation, occupation, residence, tags, phone_hash = row
        if isinstance(born, str):  # SQLite
            born = dt.date.fromisoformat(born)
        out.append(Stored(*head, born, sex, area_id, area_code, household_id, relation, occupation, residence,
                          json.loads(tags) if isinstance(tags, str) else tags, phone_hash))
    return out


class PersonImporter(ChunkImporter):
    """One run of a households-and-persons batch; besides the pipeline's state, the documents seen and the
    household codes the file names."""

    parse_chunk = staticmethod(parse_chunk)

    def __init__(self, *, batch: ImportBatch, sheet: SheetRows, dedup: bool = True, today: dt.date | None = None):
        super().__init__(batch=batch, sheet=sheet, dedup=dedup, today=today)
        self.areas: dict[str, Area | None] = {}
        self.seen_documents: dict[int, int] = {}  # hash prefix -> first row number in this run
        self.named_codes: set[str] = set()  # every household code the file gives (prepare): never assigned freely

    # -- before the first chunk
    def prepare(self, path: Path, kind: ImportKind, *, skip: int) -> None:
        """Read the file once before writing: the household codes it names anywhere (a free code given to an
        address-only household must not be one a later row names), and, when resuming, what the rows done
        before the interruption held (their documents), so a resumed run answers as an uninterrupted one."""
        sheet = open_rows(path, kind.columns)
        try:
            code_at = next((i for i, key in sheet.columns.items() if key == "household_code"), None)
            done: list[tuple[int, list]] = []
            for count, (number, cells) in enumerate(sheet.rows):
                if code_at is not None and code_at < len(cells):
                    with contextlib.suppress(nz.CellError):
                        if code := nz.clean_code(cells[code_at]):
                            self.named_codes.add(code)
                if count < skip:
                    done.append((number, cells))
                    if len(done) == 10_000:
                        self.remember(self.parse_chunk(done, sheet.columns, today=self.today, sealer=self.sealer))
                        done = []
            if done:
                self.remember(self.parse_chunk(done, sheet.columns, today=self.today, sealer=self.sealer))
        finally:
            sheet.close()

    def remember(self, rows: list[Row]) -> None:
        """Replay, without writing, the checks of rows imported before an interruption that later rows meet."""
        self._check_areas(rows)
        self._check_in_file_duplicates(rows)

    # -- helpers
    def _load_areas(self, rows: list[Row]) -> None:
        wanted = {r.area_code for r in rows if r.area_code and r.area_code not in self.areas}
        if not wanted:
            return
        found = {a.code: a for a in Area.objects.filter(code__in=wanted).only("id", "code", "level")}
        for code in wanted:
            self.areas[code] = found.get(code)

    # -- the chunk
    def import_chunk(self, rows: list[Row]) -> None:
        """Write one chunk of parsed rows; the caller holds the chunk's transaction."""
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
            row.doc_key = (row.id_type, row.doc_hash)
            prefix = int(row.doc_hash[:15], 16) ^ hash(row.id_type)
            first = self.seen_documents.setdefault(prefix, row.number)
            if first != row.number:
                self._reject(row, "id_number", _("the same document number is already in row %(row)s of this file")
                             % {"row": first})

    def _resolve_households(self, rows: list[Row]) -> dict[tuple, HouseholdRef]:
        """Match households by code, or by address within the area; create the missing ones in one COPY."""
        by_code = {r.household_code for r in rows if r.household_code}
        by_address = {(r.area.pk, r.address) for r in rows if not r.household_code and r.address}
        found: dict[tuple, HouseholdRef] = {}
        if by_code:
            for pk, code, area_code in select_in(Household._meta.db_table, ["id", "code", "area_code"], "code", by_code):
                found[("code", code)] = HouseholdRef(pk, area_code)
        if by_address:
            for pk, area_id, address, area_code in households_at(by_address):
                found.setdefault(("addr", area_id, address), HouseholdRef(pk, area_code))
        to_create: dict[tuple, list] = {}  # key -> [code, area, address]
        numbered: set[int] = set()  # areas whose new households need the next free codes
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
            if key[0] == "addr":
                numbered.add(row.area.pk)
            # A code given in the file is kept; an address-only household is numbered below,
            # once the areas' highest codes are known.
            to_create[key] = [row.household_code, row.area, row.address]
        if numbered:
            highest = dict(
                Household.objects.filter(area_id__in=numbered).order_by().values("area_id").annotate(m=Max("code"))
                .values_list("area_id", "m")
            )
            # Codes the file names anywhere (earlier chunks, this one, later ones) are never given to an
            # address-only household: a later row naming one would join a stranger's household.
            taken = {code for code, _area, _address in to_create.values() if code} | self.named_codes
            counters: dict[int, int] = {}
            for spec in to_create.values():
                if spec[0]:
                    continue
                area = spec[1]
                if area.pk not in counters:
                    top = highest.get(area.pk) or ""
                    tail = top[len(area.code):] if top.startswith(area.code) else ""
                    counters[area.pk] = int(tail) if tail.isdigit() else 0
                while True:
                    counters[area.pk] += 1
                    code = f"{area.code}{counters[area.pk]:04d}"
                    if code not in taken:
                        break
                spec[0] = code
                taken.add(code)
        if to_create:
            now = timezone.now()
            specs = list(to_create.values())
            ids = insert_with_history(
                Household, HOUSEHOLD_COLUMNS,
                [(code, area.pk, area.code, address, None, now, now) for code, area, address in specs],
                history_user_id=self.history_user_id, reason=self.reason, when=now)
            for key, (_code, area, _address), pk in zip(to_create, specs, ids, strict=True):
                found[key] = HouseholdRef(pk, area.code)
        return found

    def _existing_by_document(self, rows: list[Row]) -> dict[tuple[str, str], Stored]:
        """The live person behind each document of the chunk (a merged record leads to the one it went into)."""
        existing: dict[tuple[str, str], Stored] = {}
        docs = {r.doc_hash for r in rows if r.doc_key}
        if not docs:
            return existing
        merged: dict[tuple[str, str], int] = {}
        for person in stored_persons("id_number_hash", docs):
            key = (person.id_type, person.id_number_hash)
            if person.merged_into_id is None:
                existing[key] = person
            else:
                merged[key] = person.merged_into_id
        follow_merges(existing, merged, fetch=lambda pks: {p.pk: p for p in stored_persons("id", pks)})
        return existing

    def _write_persons(self, rows: list[Row], households: dict[tuple, HouseholdRef]) -> tuple[int, int, int]:
        self._duplicates_found = 0
        rows = [r for r in rows if not r.errors]
        existing = self._existing_by_document(rows)
        # Persons with the same name and birth date: matches rows without a document, and feeds
        # the duplicate queue. One query for the chunk, on the (name, birth_date) index.
        # Only rows that may create a person need their namesakes (a re-import skips the query).
        named = [r for r in rows if r.birth_date and (not r.id_number or (self.dedup and r.doc_key not in existing))]
        namesakes: dict[tuple[str, dt.date], list[tuple]] = {}
        if named:
            for values in namesakes_of({(r.name, r.birth_date) for r in named}):
                namesakes.setdefault((values[1], values[2]), []).append(values)
        self._tick("person_lookups")
        no_doc_matches: dict[int, Stored] = {}
        if any(not r.id_number for r in rows):
            wanted_ids = set()
            for r in rows:
                if r.id_number:
                    continue
                hh = households.get(r.household_key) if r.household_key else None
                for pid, _n, _b, hid, area_code, doc_hash in namesakes.get((r.name, r.birth_date), []):
                    if not doc_hash and (hid == hh.pk if hh else (hid is None and area_code == r.area_code)):
                        wanted_ids.add(pid)
            if wanted_ids:
                no_doc_matches = {p.pk: p for p in stored_persons("id", wanted_ids)}

        to_create: list[tuple] = []
        new_people: list[NewPerson] = []
        changes: dict[int, dict] = {}
        updated = unchanged = 0
        moving: list[tuple[int, Area, HouseholdRef | None]] = []  # registered elsewhere: (person, to area, to household)
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
                # The same flow as one person at a time (people.services.transfer_request): the owning area's
                # worker decides whether the person moves here; the row itself is not imported.
                if may(self.user, TRANSFER_REQUEST, row.area.code):
                    self._reject(row, "id_number", _("a person with this document number is registered in another "
                                                      "area; a transfer request (迁入申请) was sent to that area"))
                    moving.append((person.pk, row.area, household))
                else:
                    self._reject(row, "id_number", _("a person with this document number is registered in an area "
                                                      "outside yours; ask that area to transfer them"))
                continue
            if person is None:
                doc_hash = row.doc_key[1] if row.doc_key else ""
                household_id = household.pk if household else None
                to_create.append((
                    household_id, row.area.pk, row.area.code, row.name, row.id_type, row.id_sealed, doc_hash,
                    row.id_masked, row.birth_date, row.sex, row.phone_sealed, row.phone_hash, row.phone_masked,
                    row.relation, row.occupation, "", row.residence or Person.Residence.RESIDENT, row.tags, None,
                    now, now,
                ))
                new_people.append(NewPerson(0, row.name, row.birth_date, household_id, row.area.code, doc_hash))
            elif (change := self._changes(person, row, household)) is not None:
                changes[person.pk] = change
                updated += 1
            else:
                unchanged += 1
        self._tick("build_rows")
        if moving:
            self._request_transfers(moving)
        if to_create:
            ids = insert_with_history(Person, PERSON_COLUMNS, to_create, history_user_id=self.history_user_id,
                                      reason=self.reason, when=now)
            for person, pk in zip(new_people, ids, strict=True):
                person.pk = pk
        self._tick("insert_persons_and_history")
        if changes:
            to_update = list(Person.objects.in_bulk(list(changes)).values())
            for person in to_update:
                for key, value in changes[person.pk].items():
                    setattr(person, key, value)
            bulk_update_with_history(
                to_update, Person, PERSON_FIELDS_UPDATED, default_user=self.history_user,
                default_change_reason=self.reason)
        self._tick("update_persons")
        if self.dedup and new_people:
            self._queue_duplicates(new_people, namesakes)
        self._tick("duplicate_rules")
        return len(to_create), updated, unchanged

    def _changes(self, person: Stored, row: Row, household: HouseholdRef | None) -> dict | None:
        """What a row changes of a registered person (None: nothing). Empty optional cells keep what is there."""
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
            new.update(phone_sealed=row.phone_sealed, phone_hash=row.phone_hash, phone_masked=row.phone_masked)
            changed = True
        return new if changed else None

    def _request_transfers(self, moving: list[tuple[int, Area, HouseholdRef | None]]) -> None:
        """File a transfer request (迁入申请) for each person of the chunk registered outside the importer's area,
        unless one is already pending for that person to that area; one audit event and one access-log entry
        (the "registered elsewhere" answers, counted) for the chunk."""
        from fangkong.areas.selectors import responsible_for
        from fangkong.core.access import log_access

        from .models import TransferRequest

        persons = Person.objects.select_related("household").in_bulk([pk for pk, _a, _h in moving])
        pending = set(TransferRequest.objects.filter(person_id__in=persons, status=TransferRequest.Status.PENDING)
                      .values_list("person_id", "to_area_id"))
        new = []
        for pk, area, household in moving:
            if (pk, area.pk) in pending:
                continue
            pending.add((pk, area.pk))
            person = persons[pk]
            new.append(TransferRequest(
                person=person, area_code=person.area_code, to_area=area, to_area_code=area.code,
                to_household_id=household.pk if household else None,
                owner=responsible_for(person.area_code, person.household), requested_by=self.history_user,
                reason=f"import batch {self.batch.pk}"))
        TransferRequest.objects.bulk_create(new)
        log_access(user=self.user, action="registered_elsewhere",
                   object_type="import_batch", object_id=str(self.batch.pk), fields=f"{len(moving)} rows",
                   reason="documents registered elsewhere in an import: transfer requests filed")
        if new:
            audit.record(self.user, TRANSFER_REQUEST, object_type="transferrequest", area_code=self.batch.area_code,
                         count=len(new), reason=f"import batch {self.batch.pk}")

    def _queue_duplicates(self, created: list[NewPerson], namesakes: dict) -> None:
        """Likely duplicates of the new persons go to the review queue; the import does not wait for anyone."""
        candidates = likely_duplicates(created, namesakes)
        if candidates:
            DuplicateCandidate.objects.bulk_create(candidates, ignore_conflicts=True)
            self._duplicates_found = len(candidates)

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


def recount_the_tree(batch: ImportBatch) -> None:
    from fangkong.areas.tasks import refresh_tallies

    refresh_tallies.enqueue()  # the tree's counts of big nodes (areas.selectors._tallies)


IMPORT_KINDS["people"] = ImportKind(PEOPLE_COLUMNS, PersonImporter, CHUNK_SIZE, after=recount_the_tree)
