"""Parsing the risk-area list pushed by the upper level (CSV), row by row, with clear reasons.

Pure: no Django. Columns: code, name, level, zone, start_date, lift_date, source.
Levels and zones are accepted in English or Chinese (高/中/低, 封控区/管控区/防范区).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from fangkong.core.ids import to_halfwidth

LEVELS = {"high": "high", "medium": "medium", "low": "low", "高": "high", "中": "medium", "低": "low",
          "高风险": "high", "中风险": "medium", "低风险": "low", "高风险区": "high", "中风险区": "medium", "低风险区": "low"}
ZONES = {"": "", "sealed": "sealed", "controlled": "controlled", "prevention": "prevention",
         "封控区": "sealed", "管控区": "controlled", "防范区": "prevention"}
CODE_LENGTHS = {2, 4, 6, 9, 12, 15, 18}
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


@dataclass
class RiskRow:
    row_number: int
    division_code: str
    region_name: str
    level: str
    zone: str
    starts_on: dt.date
    lifted_on: dt.date | None
    source: str


class RowError(ValueError):
    def __init__(self, column: str, reason: str):
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason


def parse_date(text: str, column: str) -> dt.date | None:
    text = to_halfwidth(text or "").strip()
    if not text:
        return None
    match = _DATE.match(text)
    if not match:
        raise RowError(column, _("not a date: “%(text)s” (write 2022-03-01)") % {"text": text})
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        raise RowError(column, _("not a real date: “%(text)s”") % {"text": text}) from None


def short_code(code: str) -> str:
    """A 12-digit national code to its short form; short forms unchanged."""
    if len(code) == 12:
        for length in (2, 4, 6, 9):
            if code[length:] == "0" * (12 - length):
                return code[:length]
    return code


def parse_row(row_number: int, rec: dict) -> RiskRow:
    def get(key: str) -> str:
        return " ".join(to_halfwidth(rec.get(key) or "").split())

    code = get("code")
    if code and (not code.isdigit() or len(code) not in CODE_LENGTHS):
        raise RowError("code", _("not a division code: “%(code)s”") % {"code": code})
    name = get("name")
    if not name and not code:
        raise RowError("name", _("give a division code or an area name"))
    level = LEVELS.get(get("level").lower())
    if level is None:
        raise RowError("level", _("unknown level “%(level)s” (high, medium, low or 高/中/低)") % {"level": get("level")})
    zone = ZONES.get(get("zone").lower())
    if zone is None:
        raise RowError("zone", _("unknown zone “%(zone)s” (sealed, controlled, prevention or 封控区/管控区/防范区)") % {"zone": get("zone")})
    starts = parse_date(get("start_date"), "start_date")
    if starts is None:
        raise RowError("start_date", _("required"))
    lifted = parse_date(get("lift_date"), "lift_date")
    if lifted is not None and lifted <= starts:
        raise RowError("lift_date", _("must be after start_date"))
    return RiskRow(row_number, short_code(code), name or code, level, zone, starts, lifted, get("source")[:200])


def covering_codes(code: str) -> list[str]:
    """The node and all its ancestors' short codes: the areas whose level applies to `code`."""
    code = short_code(code)
    return [code[:n] for n in sorted(CODE_LENGTHS) if n <= len(code)]
