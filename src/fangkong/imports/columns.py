"""How an import reads a header row: each kind of import names its fields and the headers it accepts.

Pure (no Django): shared by every kind of import (households and persons, arrivals, 协查 lists, and next
lab results), each of which keeps its own alias table.
"""

from __future__ import annotations

import re

from fangkong.core.ids import to_halfwidth

# Columns that a rejects file adds to a kind's own; read back when it is re-submitted.
SOURCE_ROW = "source_row"
EXTRA_COLUMNS: dict[str, str] = {SOURCE_ROW: "原批次行号", "reject_row": "行号", "reject_column": "列", "reason": "原因"}

_PAREN = re.compile(r"[(（\[【].*?[)）\]】]")


def alias_table(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Header (as `header_text` leaves it) -> field key, from field key -> its accepted headers."""
    return {alias: key for key, aliases_of in aliases.items() for alias in aliases_of}


def header_text(header) -> str:
    """A header as the alias tables write it: half-width, lower case, no spaces, `_`, `*`, `:` or `-`,
    no note in brackets."""
    text = to_halfwidth(str(header))
    text = _PAREN.sub("", text)
    return re.sub(r"[\s_*:：\-]", "", text).lower()


def header_key(header, table: dict[str, str]) -> str | None:
    """The field a header names (Chinese or English, any case, spaces, `*` or a note in brackets ignored)."""
    if header is None:
        return None
    return table.get(header_text(header))


def map_headers(headers: list, table: dict[str, str]) -> tuple[dict[int, str], list[str]]:
    """Column index -> field key for the headers we know; also the headers we do not know."""
    mapping: dict[int, str] = {}
    unknown: list[str] = []
    for index, header in enumerate(headers):
        key = header_key(header, table)
        if key is None:
            if header not in (None, ""):
                unknown.append(str(header))
        elif key not in mapping.values():
            mapping[index] = key
    return mapping, unknown
