"""Validation of resident ID numbers (GB 11643-1999) and mainland mobile numbers.

Pure functions, no Django: used by forms, the API, imports and the CLI alike.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_MAP = "10X98765432"  # index = weighted sum mod 11

_ID18 = re.compile(r"^\d{17}[\dX]$")
_ID15 = re.compile(r"^\d{15}$")
# Mainland mobile: 11 digits, 1 then 3-9; the network prefix set changes, so only the shape is checked.
_MOBILE = re.compile(r"^1[3-9]\d{9}$")

_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９ＸｘＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｙｚ"}


def gettext_noop(message: str) -> str:
    """Marks a message for `makemessages` without importing Django: callers translate it later."""
    return message


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """Why a value was refused, kept as a message and its arguments so each caller can translate it."""

    reason_template: str = ""
    reason_args: dict = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """The reason in English (the CLI's JSON contract)."""
        return self.reason_template % self.reason_args if self.reason_template else ""

    def reason_in(self, translate: Callable[[str], str]) -> str:
        """The reason in the caller's language, e.g. `check.reason_in(gettext)`."""
        return translate(self.reason_template) % self.reason_args if self.reason_template else ""


@dataclass(frozen=True)
class IdCheck(Verdict):
    valid: bool
    normalized: str
    birth_date: dt.date | None = None
    sex: str | None = None  # "M" or "F"

    def as_dict(self) -> dict:
        return {
            "valid": self.valid,
            "normalized": self.normalized,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "sex": self.sex,
            "reason": self.reason,
        }


def to_halfwidth(text: str) -> str:
    """Full-width digits and letters to ASCII, ideographic space to a space."""
    return text.translate(_FULLWIDTH).replace("\u3000", " ")


def check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_MAP[total % 11]


def _birth_date(yyyymmdd: str) -> dt.date | None:
    try:
        return dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None


def upgrade_15_to_18(number15: str) -> str:
    """Legacy 15-digit numbers (before 1999) have a 2-digit year, always 19xx, and no check digit."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_digit(first17)


def _invalid(text: str, template: str, **args) -> IdCheck:
    return IdCheck(False, text, reason_template=template, reason_args=args)


def check_resident_id(raw: str, *, today: dt.date | None = None) -> IdCheck:
    """Validate a resident ID number and derive birth date and sex."""
    text = to_halfwidth(str(raw)).strip().replace(" ", "").upper()
    if not text:
        return _invalid(text, gettext_noop("empty"))
    if _ID15.match(text):
        if _birth_date("19" + text[6:12]) is None:
            return _invalid(text, gettext_noop("birth date in the number is not a real date"))
        text = upgrade_15_to_18(text)
    elif len(text) != 18:
        return _invalid(text, gettext_noop("must have 18 characters (or 15 digits), got %(length)d"),
                        length=len(text))
    elif not _ID18.match(text):
        return _invalid(text, gettext_noop("must be 17 digits followed by a digit or X"))
    born = _birth_date(text[6:14])
    if born is None:
        return _invalid(text, gettext_noop("birth date in the number is not a real date"))
    today = today or dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    if born > today or born.year < 1890:
        return _invalid(text, gettext_noop("birth date in the number is out of range"))
    if text[:2] == "00" or text[:6] == "000000":
        return _invalid(text, gettext_noop("region code in the number is not valid"))
    expected = check_digit(text[:17])
    if text[17] != expected:
        return _invalid(text, gettext_noop("check character should be %(expected)s, not %(given)s"),
                        expected=expected, given=text[17])
    sex = "M" if int(text[16]) % 2 == 1 else "F"
    return IdCheck(True, text, born, sex)


def normalize_mobile(raw: str) -> str | None:
    """Return the 11-digit mobile number, or None when it is not one.

    Accepts a +86 / 0086 / 86 prefix and spaces or dashes between groups.
    """
    text = re.sub(r"[\s\-()]", "", to_halfwidth(str(raw)))
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    if len(text) == 13 and text.startswith("86"):
        text = text[2:]
    return text if _MOBILE.match(text) else None
