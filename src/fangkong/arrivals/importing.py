"""Arrivals in bulk: lists pushed by other regions (协查) and grid workers' spreadsheets of arrivals.

This runs on the shared import pipeline (`fangkong.imports.pipeline`), as households and persons do: the same
reading of .xlsx and .csv, header matching, cell normalisation, batches (`ImportBatch`, kinds
`xiecha` and `arrival_sheet`) imported by the same background task with its progress, one
transaction per chunk, and rejected rows kept sealed (`ImportReject`) for the errors file. What this
module adds is the chunk. Every row is

1. validated (`parse_row`): each problem names its column; no reason quotes an ID number or a phone;
2. matched to a live person by document number, or creates one (with history);
3. given a destination inside the importer's area: a household whose address is exactly the row's
   (or whose code is given), else the village or community named by code or name. A destination that
   exists but lies outside the importer's area is rejected; one that does not exist is "not found";
4. registered through `control.services.arrival_register` (routed to the destination's grid worker,
   put under the active profile's plan) inside the chunk's transaction;

and its outcome is kept (`ArrivalImportRow`) for the 协查 feedback. Re-running a file registers
nothing twice: a reference already registered for the same pushing unit, or an arrival of the same
person on the same day (from any channel), counts as unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from fangkong.areas.codes import Level
from fangkong.areas.models import Area
from fangkong.arrivals import actions, services
from fangkong.arrivals import rows as ar
from fangkong.arrivals.models import Arrival, ArrivalImportRow
from fangkong.core.crypto import unseal
from fangkong.core.errors import InvalidInput
from fangkong.core.ids import check_resident_id, normalize_mobile, to_halfwidth
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.core.scoping import in_scope, subtree_q
from fangkong.imports import pipeline
from fangkong.imports.models import ImportBatch
from fangkong.people import importing
from fangkong.people import normalize as nz
from fangkong.people.models import Household, Person
from fangkong.people.selectors import follow_merges
from fangkong.people.validation import PersonInvalid, clean_person

KIND_XIECHA = "xiecha"
KIND_SHEET = "arrival_sheet"
KINDS = {"xiecha": KIND_XIECHA, "sheet": KIND_SHEET}  # the names the CLI, the API and the page use
ARRIVAL_KINDS = (KIND_XIECHA, KIND_SHEET)
CHUNK_SIZE = 500  # every row is registered (and planned) one by one: keep each transaction short

XIECHA_COLUMNS = pipeline.Columns(ar.TEMPLATE_COLUMNS, ar.HEADER_TO_FIELD, ar.XIECHA_REQUIRED)
SHEET_COLUMNS = pipeline.Columns(ar.TEMPLATE_COLUMNS, ar.HEADER_TO_FIELD, ar.SHEET_REQUIRED)
SOURCE = {KIND_XIECHA: Arrival.Source.ASSIST_LIST, KIND_SHEET: Arrival.Source.IMPORT}
# arrival_register's field -> the column that holds it
SERVICE_FIELDS = {"arrived_on": "arrived_at", "origin_name": "origin", "origin_risk": "risk", "facts": "category",
                  "destination": "address"}
Outcome = ArrivalImportRow.Outcome


@dataclass
class Row:
    number: int
    values: dict
    errors: list[tuple[str, str]] = field(default_factory=list)
    not_found: bool = False  # the errors say the destination is not in our area (feedback: "not found")
    reference: str = ""
    pushing_unit: str = ""
    pushed_at: dt.datetime | None = None
    name: str = ""
    id_type: str = ""
    id_number: str = ""
    birth_date: dt.date | None = None
    sex: str = ""
    phone: str = ""
    origin_name: str = ""
    origin_code: str = ""
    category: str = ""
    origin_risk: str = ""
    arrived_on: dt.date | None = None
    transport: str = "other"
    transport_number: str = ""
    route: str = ""
    negative_test_date: dt.date | None = None
    released: bool = False
    household_code: str = ""
    address: str = ""
    area_code: str = ""
    area_name: str = ""
    source: tuple[int, int] | None = None
    # resolved while importing
    doc_key: tuple[str, str] | None = None
    household: Household | None = None
    area: Area | None = None
    outcome: str = ""
    person: Person | None = None
    person_created: bool = False
    arrival_id: int | None = None

    def raw(self, columns: dict[int, str] | None = None) -> dict[str, str]:
        """The row as uploaded, as text (sealed in its ImportReject when it is rejected).

        The same call as the people importer's rows; these keep their values by field already."""
        return {k: pipeline.raw_text(v) for k, v in self.values.items()
                if k in ar.TEMPLATE_COLUMNS or k == nz.SOURCE_ROW}

    @property
    def ref_key(self) -> tuple[str, str] | None:
        return (self.pushing_unit, self.reference) if self.reference else None


_NUMBER_RUN = re.compile(r"[0-9０-９]{11,17}[0-9０-９Xx]?")


def masked_numbers(text: str, own: frozenset[str] = frozenset()) -> str:
    """A reason with the ID numbers and mobile numbers it quotes masked (a value typed into the wrong
    column is echoed by that column's reason): mobiles, valid 18-character IDs, and `own` (the row's
    document number as typed, which may be a legacy 15-digit one). Division codes stay readable, even
    the 15-digit grid codes that read like a legacy ID."""

    def mask(match: re.Match) -> str:
        value = to_halfwidth(match.group()).upper()
        if normalize_mobile(value) == value:
            return mask_phone(value)
        if value in own or (len(value) == 18 and check_resident_id(value).valid):
            return mask_id_number(value)
        return match.group()

    return _NUMBER_RUN.sub(mask, text)


def _message(exc: nz.CellError) -> str:
    return _(exc.message) % exc.params if exc.params else _(exc.message)


def parse_row(number: int, cells: list, columns: dict[int, str], *, today: dt.date) -> Row:
    """Normalise and validate one row; errors are (field, reason) pairs in the active language."""
    width = len(cells)
    values = {key: (cells[i] if i < width else None) for i, key in columns.items()}
    row = Row(number=number, values=values)

    def cell(key: str, parse, *args):
        try:
            return parse(values.get(key), *args)
        except nz.CellError as exc:
            row.errors.append((key, _message(exc)))
            return None

    row.reference = cell("reference", ar.parse_reference) or ""
    row.pushing_unit = cell("pushing_unit", ar.bounded_text, 200) or ""
    row.pushed_at = cell("pushed_at", nz.parse_datetime)
    row.name = nz.clean_name(values.get("name"))
    id_number = cell("id_number", nz.normalize_id_number)
    id_type = cell("id_type", lambda v: nz.parse_id_type(v, has_number=bool(id_number)))
    phone = cell("phone", nz.normalize_phone)
    origin = None
    try:
        origin = ar.parse_origin(values.get("origin"), values.get("origin_code"))
    except nz.CellError as exc:
        row.errors.append(("origin_code" if nz.clean_text(values.get("origin_code")) else "origin", _message(exc)))
    if origin is not None:
        row.origin_name, row.origin_code = origin
        if not row.origin_name:
            row.errors.append(("origin", _("where the person comes from is required")))
    stated = [cell(key, ar.parse_kind) or (None, None) for key in ("category", "risk")]
    categories = {c for c, _level in stated if c}
    levels = [level for _c, level in stated if level]
    if len(categories) > 1:
        row.errors.append(("category", _("the category and the risk column say different things")))
    level = max(levels, key=ar.LEVELS[::-1].index) if levels else None
    row.category = ar.arrival_category(next(iter(categories), None), level)
    row.origin_risk = level or ""
    arrived = cell("arrived_at", nz.parse_datetime)
    if arrived is None and not any(k == "arrived_at" for k, _r in row.errors):
        row.errors.append(("arrived_at", _("the arrival date is required")))
    elif arrived is not None:
        row.arrived_on = arrived.date()
        if row.arrived_on > today:
            row.errors.append(("arrived_at", _("the arrival date %(date)s is in the future") % {
                "date": row.arrived_on.isoformat()}))
    row.transport = ar.parse_transport(values.get("transport"))
    row.transport_number = cell("transport_number", ar.bounded_text, 40) or ""
    row.route = cell("route", ar.bounded_text, 300) or ""
    row.negative_test_date = cell("negative_test_date", nz.parse_date)
    if row.negative_test_date and row.negative_test_date > today:
        row.errors.append(("negative_test_date", _("the test date is in the future")))
    row.released = bool(cell("released", ar.parse_yes_no))
    row.household_code = cell("household_code", nz.clean_code) or ""
    if row.household_code and not ar.is_digits(row.household_code):
        row.errors.append(("household_code", _("a household code has digits only")))
    row.address = cell("address", ar.bounded_text, 200) or ""
    row.area_code = cell("area_code", ar.destination_code) or ""
    row.area_name = cell("area_name", ar.bounded_text, 100) or ""
    if not (row.household_code or row.address or row.area_code or row.area_name) and not any(
            k in {"household_code", "address", "area_code", "area_name"} for k, _r in row.errors):
        row.errors.append(("address", _("give the destination address, or the village or community")))
    source = nz.clean_text(values.get(nz.SOURCE_ROW))
    left, _sep, right = source.partition(":")
    if ar.is_digits(left) and ar.is_digits(right):
        row.source = (int(left), int(right))
    bad = {key for key, _reason in row.errors}
    try:
        clean = clean_person(
            name=row.name, id_type=id_type or "resident_id", id_number="" if "id_number" in bad else (id_number or ""),
            phone="" if "phone" in bad else (phone or ""), today=today,
        )
    except PersonInvalid as exc:
        for key, reason in exc.errors.items():
            if key not in bad:
                row.errors.append((key, str(reason)))
        return row
    if clean.id_type == "none" and "id_type" not in bad:
        row.errors.append(("id_number", _("a document number is needed to match or register the person")))
    row.name, row.id_type, row.id_number = clean.name, clean.id_type, clean.id_number
    row.birth_date, row.sex, row.phone = clean.birth_date, clean.sex, clean.phone
    return row


class ArrivalChunkImporter(pipeline.ChunkImporter):
    """One run of an arrivals batch; the base class brings the uploader, the sealer, the area cache,
    the timings and the storage of rejected rows."""

    def __init__(self, *, batch: ImportBatch, sheet: pipeline.SheetRows, dedup: bool = True):
        super().__init__(batch=batch, sheet=sheet, dedup=dedup)
        self.source = SOURCE[batch.kind]
        self.seen_references: dict[tuple[str, str], int] = {}
        self.by = self.user if getattr(self.user, "pk", None) else None

    def remember(self, rows: list[Row]) -> None:
        """Resuming: the references of the rows done before the interruption (a later repeat is still refused)."""
        self._check_references(rows)

    @staticmethod
    def parse_chunk(chunk: list[tuple[int, list]], columns: dict[int, str], *, today: dt.date, sealer=None) -> list[Row]:
        return [parse_row(number, cells, columns, today=today) for number, cells in chunk]

    def import_chunk(self, rows: list[Row]) -> None:
        self._check_references(rows)
        self._resolve_destinations([r for r in rows if not r.errors])
        self._tick("destinations")
        self._match_persons([r for r in rows if not r.errors])
        self._tick("persons")
        self._register([r for r in rows if not r.errors])
        self._tick("register_route_plan")
        for row in rows:
            if row.errors:
                row.outcome = Outcome.NOT_FOUND if row.not_found else Outcome.REJECTED
                own = frozenset({to_halfwidth(pipeline.raw_text(row.values.get("id_number"))).strip().upper()})
                row.errors = [(key, masked_numbers(reason, own)) for key, reason in row.errors]
        self._store_rows(rows)
        self._store_rejects([r for r in rows if r.errors])
        self._resolve_sources([r for r in rows if not r.errors and r.source])
        tally = {o: sum(1 for r in rows if r.outcome == o) for o in Outcome.values}
        rejected = tally[Outcome.REJECTED] + tally[Outcome.NOT_FOUND]
        # For arrival batches `updated` counts the rows matched to a registered person.
        ImportBatch.objects.filter(pk=self.batch.pk).update(
            processed_rows=self.batch.processed_rows + len(rows),
            created=self.batch.created + tally[Outcome.CREATED],
            updated=self.batch.updated + tally[Outcome.MATCHED],
            unchanged=self.batch.unchanged + tally[Outcome.UNCHANGED],
            rejected=self.batch.rejected + rejected,
        )
        self.batch.processed_rows += len(rows)
        self.batch.created += tally[Outcome.CREATED]
        self.batch.updated += tally[Outcome.MATCHED]
        self.batch.unchanged += tally[Outcome.UNCHANGED]
        self.batch.rejected += rejected
        self._tick("rows_rejects_and_counters")

    # -- references and documents

    def _check_references(self, rows: list[Row]) -> None:
        for row in rows:
            if row.errors:
                continue
            if row.ref_key is not None:
                first = self.seen_references.setdefault(row.ref_key, row.number)
                if first != row.number:
                    self._reject(row, "reference", _("the same reference is already in row %(row)s of this file")
                                 % {"row": first})
                    continue
            if row.id_number:
                row.doc_key = (row.id_type, self.sealer.lookup_hash(row.id_number))

    # -- destinations

    def _resolve_destinations(self, rows: list[Row]) -> None:
        """A household (by code, or by exact address in the importer's area), else a village by code or name."""
        codes = {r.household_code for r in rows if r.household_code}
        by_code = {h.code: h for h in Household.objects.filter(code__in=codes)} if codes else {}
        addresses = {r.address for r in rows if r.address and not r.household_code}
        by_address: dict[str, list[Household]] = {}
        if addresses:
            scoped = Household.objects.filter(subtree_q(self.user.area_code), address__in=addresses)
            for household in scoped.order_by("code"):
                by_address.setdefault(household.address, []).append(household)
        area_codes = {r.area_code for r in rows if r.area_code}
        areas = {a.code: a for a in Area.objects.filter(code__in=area_codes)} if area_codes else {}
        names = {r.area_name for r in rows if r.area_name and not r.area_code}
        by_name: dict[str, list[Area]] = {}
        if names:
            for area in Area.objects.filter(name__in=names, level__gte=Level.VILLAGE).order_by("code"):
                by_name.setdefault(area.name, []).append(area)
        for row in rows:
            if row.household_code:
                household = by_code.get(row.household_code)
                if household is None or not in_scope(self.user, household.area_code):
                    self._reject(row, "household_code", _("household %(code)s does not exist in your area")
                                 % {"code": row.household_code})
                else:
                    row.household = household
                continue
            area = self._named_area(row, areas, by_name)
            if row.errors:
                continue
            if row.address:
                matches = by_address.get(row.address, [])
                if area is not None:
                    matches = [h for h in matches if h.area_code.startswith(area.code)]
                if len(matches) == 1:
                    row.household = matches[0]
                    continue
                if len(matches) > 1 and area is None:
                    self._reject(row, "address", _("%(n)s households in your area have this address; give the "
                                                   "village or community code") % {"n": len(matches)})
                    continue
            if area is not None:
                row.area = area
                continue
            row.not_found = True
            self._reject(row, "address", _("the address matches no household in your area, and no village or "
                                           "community is given"))

    def _named_area(self, row: Row, areas: dict[str, Area], by_name: dict[str, list[Area]]) -> Area | None:
        """The village (or a node under it) the row names by code or name, in the importer's area; None if
        it names none. A node outside the area is rejected; one that is not in our tree is not found."""
        if row.area_code:
            area = areas.get(row.area_code)
            if area is None:
                row.not_found = True
                self._reject(row, "area_code", _("there is no village or community %(code)s in our area")
                             % {"code": row.area_code})
            elif not in_scope(self.user, area.code):
                self._reject(row, "area_code", _("%(code)s is outside your area; pass the row to the area it "
                                                 "belongs to") % {"code": row.area_code})
            else:
                return area
            return None
        if row.area_name:
            found = by_name.get(row.area_name, [])
            mine = [a for a in found if in_scope(self.user, a.code)]
            if len(mine) == 1:
                return mine[0]
            if len(mine) > 1:
                self._reject(row, "area_name", _("%(n)s villages or communities in your area have this name; give "
                                                 "the code") % {"n": len(mine)})
            elif found:
                self._reject(row, "area_name", _("%(name)s is outside your area; pass the row to the area it "
                                                 "belongs to") % {"name": row.area_name})
            else:
                row.not_found = True
                self._reject(row, "area_name", _("there is no village or community named %(name)s in our area")
                             % {"name": row.area_name})
        return None

    # -- persons

    def _match_persons(self, rows: list[Row]) -> None:
        """Live persons by document (a merged record leads to the one it was merged into)."""
        docs = {r.doc_key for r in rows if r.doc_key}
        if not docs:
            return
        found: dict[tuple[str, str], Person] = {}
        merged: dict[tuple[str, str], int] = {}
        for person in Person.objects.filter(id_number_hash__in={h for _t, h in docs}):
            key = (person.id_type, person.id_number_hash)
            if key not in docs:
                continue
            if person.merged_into_id is None:
                found[key] = person
            else:
                merged[key] = person.merged_into_id
        follow_merges(found, merged)
        for row in rows:
            row.person = found.get(row.doc_key)

    def _create_persons(self, rows: list[Row]) -> None:
        """The persons the rows name and we do not know: one per document, with history, at the destination."""
        new: dict[tuple[str, str], Person] = {}
        for row in rows:
            if row.person is not None or row.doc_key in new:
                continue
            area = row.household.area if row.household is not None else row.area
            person = Person(
                household=row.household, area=area, area_code=area.code, name=row.name, id_type=row.id_type,
                id_number_sealed=self.sealer.seal(row.id_number), id_number_hash=row.doc_key[1],
                id_number_masked=mask_id_number(row.id_number), birth_date=row.birth_date, sex=row.sex,
                phone_sealed=self.sealer.seal(row.phone) if row.phone else "",
                phone_hash=self.sealer.lookup_hash(row.phone) if row.phone else "", phone_masked=mask_phone(row.phone),
                tags=[row.category],
            )
            new[row.doc_key] = person
        if new:
            bulk_create_with_history(list(new.values()), Person, default_user=self.history_user,
                                     default_change_reason=self.reason)
        claimed: set[tuple[str, str]] = set()
        for row in rows:
            if row.person is None and row.doc_key in new:
                # The first row of a document created the person; a later row of the same file matches it.
                row.person = new[row.doc_key]
                row.person_created = row.doc_key not in claimed
                claimed.add(row.doc_key)

    # -- registration

    def _register(self, rows: list[Row]) -> None:
        refs = {r.reference for r in rows if r.reference}
        registered: dict[tuple[str, str], ArrivalImportRow] = {}
        if refs:
            earlier = (ArrivalImportRow.objects.filter(reference__in=refs, arrival__isnull=False)
                       .select_related("person").order_by("pk"))
            for done in earlier:
                registered.setdefault((done.pushing_unit, done.reference), done)
        person_ids = {r.person.pk for r in rows if r.person is not None}
        same_day: dict[tuple[int, dt.date], int] = {}
        if person_ids:
            for pid, day, pk in Arrival.objects.filter(
                    person_id__in=person_ids, arrived_on__in={r.arrived_on for r in rows}).values_list(
                    "person_id", "arrived_on", "pk").order_by("pk"):
                same_day.setdefault((pid, day), pk)
        to_register = []
        for row in rows:
            done = registered.get(row.ref_key) if row.ref_key else None
            if done is not None:
                row.outcome, row.arrival_id = Outcome.UNCHANGED, done.arrival_id
                row.person_created = done.person_created
                row.person = done.person if done.person_id else row.person
                continue
            to_register.append(row)
        self._create_persons([r for r in to_register if r.person is None])
        for row in to_register:
            key = (row.person.pk, row.arrived_on)
            if key in same_day:
                row.outcome, row.arrival_id = Outcome.UNCHANGED, same_day[key]
                row.person_created = False
                continue
            # A person registered outside the importer's area is that area's to follow: the arrival is routed
            # to their own household's worker, not to the address the list gives inside the importer's area.
            elsewhere = not row.person_created and not in_scope(self.user, row.person.area_code)
            household = row.person.household if elsewhere else row.household
            destination = row.person.area_code if elsewhere else (row.area.code if row.household is None else "")
            try:
                arrival = services.arrival_register(
                    by=self.user, action=actions.ARRIVAL_IMPORT_RUN, person=row.person, household=household,
                    destination_code="" if household is not None else destination,
                    category=row.category, origin_name=row.origin_name, origin_code=row.origin_code,
                    origin_risk=row.origin_risk, arrived_on=row.arrived_on, source=self.source, route=row.route,
                    transport=row.transport, transport_number=row.transport_number,
                    negative_test_date=row.negative_test_date, released_from_centralized_isolation=row.released,
                )
            except InvalidInput as exc:
                for key_, reason in exc.errors.items():
                    self._reject(row, SERVICE_FIELDS.get(key_, key_ if key_ in ar.TEMPLATE_COLUMNS else "address"),
                                 str(reason))
                continue
            same_day[key] = arrival.pk
            row.arrival_id = arrival.pk
            row.outcome = Outcome.ELSEWHERE if elsewhere else Outcome.CREATED if row.person_created else Outcome.MATCHED

    def _store_rows(self, rows: list[Row]) -> None:
        pushed = timezone.get_default_timezone()
        ArrivalImportRow.objects.bulk_create([
            ArrivalImportRow(
                batch_id=self.batch.pk, row_number=r.number, area_code=self.batch.area_code, reference=r.reference,
                pushing_unit=r.pushing_unit, pushed_at=r.pushed_at.replace(tzinfo=pushed) if r.pushed_at else None,
                outcome=r.outcome, person_created=r.person_created, person=r.person if r.person is not None else None,
                arrival_id=r.arrival_id, reason="; ".join(reason for _k, reason in r.errors)[:300],
            )
            for r in rows
        ])


# Arrivals may register persons: the tree's counts are refreshed after a batch, as after a people import.
pipeline.IMPORT_KINDS[KIND_XIECHA] = pipeline.ImportKind(XIECHA_COLUMNS, ArrivalChunkImporter, CHUNK_SIZE,
                                                         actions.ARRIVAL_IMPORT_RUN, after=importing.recount_the_tree)
pipeline.IMPORT_KINDS[KIND_SHEET] = pipeline.ImportKind(SHEET_COLUMNS, ArrivalChunkImporter, CHUNK_SIZE,
                                                        actions.ARRIVAL_IMPORT_RUN, after=importing.recount_the_tree)


# ---------------------------------------------------------------------------- entry points


def batch_submit(*, user, upload, kind: str, language: str = "") -> ImportBatch:
    """Store an upload and queue its import as the same background task as the people import."""
    return pipeline.batch_submit(user=user, upload=upload, language=language, kind=_batch_kind(kind))


def import_file(*, user, path, kind: str, language: str | None = None, **kwargs) -> ImportBatch:
    """Import a file now (the CLI, tests and benchmarks)."""
    return pipeline.import_file(user=user, path=path, kind=_batch_kind(kind), language=language, **kwargs)


def _batch_kind(kind: str) -> str:
    if kind in ARRIVAL_KINDS:
        return kind
    if kind not in KINDS:
        raise pipeline.ImportFileError(_("the kind of list must be xiecha or sheet, not %(kind)s") % {"kind": kind})
    return KINDS[kind]


def counts(batch: ImportBatch) -> dict:
    return {"created": batch.created, "matched": batch.updated, "unchanged": batch.unchanged,
            "rejected": batch.rejected}


# ---------------------------------------------------------------------------- the errors file and the feedback


def reject_headers() -> list[str]:
    return pipeline.reject_headers(KIND_XIECHA)


FEEDBACK_HEADERS = ["行号", "协查编号", "推送单位", "姓名", "证件号码", "到达日期", "核查结果", "落地区域", "责任人",
                    "责任人电话", "管控措施", "说明"]
MEASURES = {
    "centralized_isolation": gettext_lazy("centralized isolation"),
    "home_isolation": gettext_lazy("home isolation"),
    "home_health_monitoring": gettext_lazy("home health monitoring"),
    "self_monitoring": gettext_lazy("self monitoring"),
}
FEEDBACK_OUTCOMES = {
    "created": gettext_lazy("registered (new to our registry)"),
    "matched": gettext_lazy("matched (registered person)"),
    "not_found": gettext_lazy("not found in our area"),
    "elsewhere": gettext_lazy("registered in another area of the city: passed to that area's worker"),
    "rejected": gettext_lazy("rejected"),
}


def feedback_rows(batch: ImportBatch, *, unmasked: bool = False, chunk: int = 1000) -> Iterator[list]:
    """Every row of the list with its outcome, for the pushing unit (协查反馈). Document numbers are masked
    unless `unmasked` (a role that needs them; the caller logs the access). Phones are left out: a
    person's number from our registry is not ours to pass on."""
    last = 0
    rows = ArrivalImportRow.objects.filter(batch=batch).order_by("row_number")
    while True:
        part = list(rows.filter(row_number__gt=last).select_related("person", "arrival", "arrival__routed_to")
                    .prefetch_related("arrival__orders__measures")[:chunk])
        if not part:
            return
        last = part[-1].row_number
        rejects = {r.row_number: r for r in batch.rejects.filter(row_number__in=[p.row_number for p in part])}
        area_codes = {p.arrival.area_code for p in part if p.arrival is not None}
        area_names = dict(Area.objects.filter(code__in=area_codes).values_list("code", "name")) if area_codes else {}
        for item in part:
            yield _feedback_row(item, rejects.get(item.row_number), area_names, unmasked, batch.area_code)


def _outside(item: ArrivalImportRow, batch_area: str) -> bool:
    """A row whose person or arrival lies outside the area of the importer (the batch's area)."""
    codes = [obj.area_code for obj in (item.person, item.arrival) if obj is not None]
    return item.outcome == Outcome.ELSEWHERE or any(not code.startswith(batch_area) for code in codes)


def _feedback_row(item: ArrivalImportRow, reject, area_names: dict[str, str], unmasked: bool,
                  batch_area: str = "") -> list:
    name = number = arrived = place = owner = owner_phone = measures = ""
    note = item.reason
    if item.outcome in (Outcome.REJECTED, Outcome.NOT_FOUND):
        raw = json.loads(unseal(reject.raw_sealed)) if reject is not None else {}
        name, number, arrived = raw.get("name", ""), raw.get("id_number", ""), raw.get("arrived_at", "")
        if not unmasked:  # the cells as pushed, wherever a number was typed
            own = frozenset({to_halfwidth(number).strip().upper()})
            name, arrived = masked_numbers(name, own), masked_numbers(arrived, own)
            number = mask_id_number(number)
        outcome = FEEDBACK_OUTCOMES[item.outcome]
        if reject is not None:
            note = f"{reject.column}: {reject.reason}" if reject.column else reject.reason
    elif _outside(item, batch_area):
        # Registered, or already arrived, in an area outside the importer's: no name, place or worker of theirs.
        outcome = FEEDBACK_OUTCOMES["elsewhere"]
        number = item.person.id_number_masked if item.person is not None else ""
        arrived = item.arrival.arrived_on.isoformat() if item.arrival is not None else ""
    else:
        outcome = FEEDBACK_OUTCOMES["created" if item.person_created else "matched"]
        if item.outcome == Outcome.UNCHANGED:
            note = _("already registered before this list (an earlier push or another channel)")
        person = item.person
        if person is not None:
            name = person.name
            number = unseal(person.id_number_sealed) if unmasked and person.id_number_sealed else person.id_number_masked
        arrival = item.arrival
        if arrival is not None:
            arrived = arrival.arrived_on.isoformat()
            place = f"{area_names.get(arrival.area_code, '')} ({arrival.area_code})"
            if arrival.routed_to is not None:
                owner, owner_phone = arrival.routed_to.name, arrival.routed_to.phone  # published at the grid (公示)
            orders = list(arrival.orders.all())
            if orders:
                measures = "; ".join(
                    f"{MEASURES.get(m.measure, m.measure)} {m.starts_on.isoformat()}–{m.ends_on.isoformat()}"
                    for m in orders[0].measures.all())
            else:
                measures = str(_("none under the policy in force"))
    return [item.row_number, item.reference, item.pushing_unit, name, number, arrived, str(outcome), place, owner,
            owner_phone, measures, note]


def feedback_summary(batch: ImportBatch) -> dict[str, int]:
    rows = ArrivalImportRow.objects.filter(batch=batch)
    return {
        "created": rows.filter(Q(outcome=Outcome.CREATED) | Q(outcome=Outcome.UNCHANGED, person_created=True)).count(),
        "matched": rows.filter(Q(outcome=Outcome.MATCHED) | Q(outcome=Outcome.UNCHANGED, person_created=False)).count(),
        "not_found": rows.filter(outcome=Outcome.NOT_FOUND).count(),
        "elsewhere": rows.filter(outcome=Outcome.ELSEWHERE).count(),
        "rejected": rows.filter(outcome=Outcome.REJECTED).count(),
    }


def template_example_rows() -> list[list]:
    """One example row of a 协查 list (a fictional person with a valid check character)."""
    from fangkong.core.ids import check_digit

    first17 = "31011519900307123"
    example = {
        "reference": "XC-2022-0001", "name": "张三", "id_type": "居民身份证", "id_number": first17 + check_digit(first17),
        "phone": "13800138000", "origin": "上海市浦东新区", "origin_code": "310115", "risk": "中风险",
        "category": "", "arrived_at": "2022-03-01 14:30", "transport": "高铁", "transport_number": "G1234",
        "route": "", "negative_test_date": "2022-02-28", "released": "", "household_code": "",
        "address": "幸福路1号", "area_code": "411402001001", "area_name": "", "pushing_unit": "上海市浦东新区疫情防控指挥部",
        "pushed_at": "2022-03-01 16:00",
    }
    return [[example[k] for k in ar.TEMPLATE_COLUMNS]]


def template_notes() -> list[list[str]]:
    """The note sheet of the template: one line per column."""
    required = {"reference": _("yes, for a 协查 list"), "name": _("yes"), "id_number": _("yes"), "origin": _("yes"),
                "arrived_at": _("yes")}
    what = {
        "reference": _("The pushing unit's reference of the row; a list pushed again is matched on it."),
        "id_type": _("居民身份证 (default), 护照, 港澳通行证, 台胞证…"),
        "id_number": _("Format the column as text: Excel keeps only 15 digits of a number."),
        "origin": _("Where the person comes from: a place name, a division code, or both as 上海市浦东新区（310115）."),
        "risk": _("境外入境, 高风险, 中风险, 低风险 or 返乡 (or high, medium, low); the higher of this and our risk-area "
                  "list applies."),
        "arrived_at": _("2022-03-01 14:30, 2022/3/1, 2022年3月1日 or an Excel date; not in the future."),
        "address": _("Exact address of the destination household in your area."),
        "area_code": _("Else the 12-digit code of the destination village or community (or a grid under it)."),
        "area_name": _("Or its name, when it is unique in your area."),
        "released": _("是 or 否: released from centralized isolation (inbound travellers)."),
    }
    lines = [[_("Column"), _("Required"), _("What to write")]]
    for key, header in ar.TEMPLATE_COLUMNS.items():
        lines.append([header, str(required.get(key, _("no"))), str(what.get(key, ""))])
    lines += [[], [_("Headers may also be written in English (reference, name, id number, origin, arrival time, "
                     "destination address…). Importing the same list again registers nothing twice.")]]
    return lines
