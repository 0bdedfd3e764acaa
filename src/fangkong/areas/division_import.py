"""Resolving an import of division rows (code, name, parent_code) given in any order.

Pure: takes rows and the set of codes already stored, returns each row's short
code, level and parent, or the reason it is rejected. The service writes the result.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from fangkong.core.ids import to_halfwidth

from .codes import CODE_LENGTH, DIVISION_LEVELS, Level, candidate_forms

_DIGITS = re.compile(r"^\d+$")
DIVISION_LENGTHS = {CODE_LENGTH[level] for level in DIVISION_LEVELS}


@dataclass
class DivisionRow:
    row_number: int
    raw_code: str
    name: str
    raw_parent: str
    code: str = ""  # resolved short form
    level: int = 0
    parent: str | None = None  # resolved short form of the parent
    error: str = ""


def _clean(value: str | None) -> str:
    return to_halfwidth(value or "").strip()


def parse_rows(records: Iterable[tuple[int, dict]]) -> list[DivisionRow]:
    rows = []
    for number, rec in records:
        rows.append(
            DivisionRow(number, _clean(rec.get("code")), " ".join(_clean(rec.get("name")).split()), _clean(rec.get("parent_code")))
        )
    return rows


def resolve(rows: list[DivisionRow], stored_level: Callable[[str], int | None]) -> list[DivisionRow]:
    """Give every row its level and short code, or an error. `stored_level(code)` looks up the database."""
    by_form: dict[str, list[DivisionRow]] = {}
    for row in rows:
        if not row.raw_code or not _DIGITS.match(row.raw_code) or len(row.raw_code) not in DIVISION_LENGTHS:
            row.error = "malformed code: expected 2, 4, 6, 9 or 12 digits"
        elif row.raw_parent and (not _DIGITS.match(row.raw_parent) or len(row.raw_parent) not in DIVISION_LENGTHS):
            row.error = "malformed parent_code: expected 2, 4, 6, 9 or 12 digits, or empty for a province"
        elif not row.name:
            row.error = "name is empty"
        elif len(row.name) > 100:
            row.error = "name is longer than 100 characters"
        else:
            for form in candidate_forms(row.raw_code):
                by_form.setdefault(form, []).append(row)

    state: dict[int, str] = {}  # id(row) -> "busy" | "done"

    def resolve_row(row: DivisionRow) -> None:
        key = id(row)
        if state.get(key) == "done":
            return
        state[key] = "busy"
        try:
            _resolve_one(row)
        finally:
            state[key] = "done"

    def find_parent(parent_raw: str) -> tuple[str, int] | str | None:
        # A 12-digit parent code is read at its shallowest level that exists. A row being resolved (on the
        # stack of this lookup) is never its own candidate: a village whose 12-digit code is its county's code
        # padded, under the township that is the same code padded to 9, shares the form "CCCCCC000" with that
        # township, and used to be taken for a cycle on a first run (and found on the second).
        on_stack = False
        for form in reversed(candidate_forms(parent_raw)):
            level = stored_level(form)
            if level is not None:
                return form, level
            # Rows that give this very code come first: a 12-digit code may name the form only when it is
            # read at a shallower level, so it is tried (and resolved) only when no row gives the form itself.
            for other in sorted(by_form.get(form, []), key=lambda r: r.raw_code != form):
                if state.get(id(other)) == "busy":
                    on_stack = True
                    continue
                resolve_row(other)
                if not other.error and other.code == form:
                    return form, other.level
        return "cycle" if on_stack else None

    def _resolve_one(row: DivisionRow) -> None:
        if row.error:
            return
        if not row.raw_parent:
            level = Level.PROVINCE
            parent = None
        else:
            found = find_parent(row.raw_parent)
            if row.error:
                return
            if found == "cycle":
                row.error = "cycle: the row is its own ancestor"
                return
            if found is None:
                row.error = f"unknown parent {row.raw_parent}"
                return
            parent, parent_level = found
            if parent_level >= Level.VILLAGE:
                row.error = f"parent {parent} is a village; divisions end at the village level"
                return
            level = Level(parent_level + 1)
        want = CODE_LENGTH[level]
        code = row.raw_code
        if len(code) == 12 and want < 12:
            if code[want:] != "0" * (12 - want):
                row.error = f"code {code} does not fit level {level.name.lower()} under parent {parent}"
                return
            code = code[:want]
        elif len(code) != want:
            row.error = f"code {code} has {len(code)} digits but a {level.name.lower()} code has {want}"
            return
        if parent is not None and (not code.startswith(parent) or code == parent):
            row.error = f"code {code} does not extend its parent's code {parent}"
            return
        row.code, row.level, row.parent = code, int(level), parent

    for row in rows:
        resolve_row(row)

    seen: dict[str, DivisionRow] = {}
    for row in rows:
        if row.error:
            continue
        first = seen.get(row.code)
        if first is None:
            seen[row.code] = row
        elif first.name != row.name or first.parent != row.parent:
            row.error = f"duplicate code {row.code}: already given at row {first.row_number} with another name or parent"
        else:
            row.error = f"duplicate code {row.code}: repeats row {first.row_number}"
    return rows
