"""Mainland vehicle plates (机动车号牌), as a checkpoint writes them down.

Pure functions, no Django. Checked: the shape of the civilian plates a checkpoint
meets (GA 36): a province's one-character abbreviation, the issuing office's
letter, then either five characters (ordinary plates, the last possibly 挂 学 警
港 澳 领 试 超) or six (new-energy plates: 8 characters in all, the serial
starting with the energy letter for small vehicles or ending with it for large
ones). Letters I and O are never used in serials. Whether a plate was really
issued cannot be checked offline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fangkong.core.ids import Verdict, gettext_noop, to_halfwidth

# The one-character abbreviation of each province-level division, by its 2-digit code.
PROVINCE_ABBREVIATIONS = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑", "31": "沪",
    "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫", "42": "鄂", "43": "湘",
    "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "贵", "53": "云", "54": "藏", "61": "陕",
    "62": "甘", "63": "青", "64": "宁", "65": "新",
}
_PROVINCES = "".join(PROVINCE_ABBREVIATIONS.values())
_SERIAL = "A-HJ-NP-Z0-9"  # no I, no O
# Letters that mark a new-energy plate: D and F at first, then A B C E (pure electric) and G H J K (others).
_ENERGY = "ABCDEFGHJK"
_ORDINARY = re.compile(rf"^[{_PROVINCES}][A-Z][{_SERIAL}]{{4}}[{_SERIAL}挂学警港澳领试超]$")
_NEW_ENERGY_SMALL = re.compile(rf"^[{_PROVINCES}][A-Z][{_ENERGY}][{_SERIAL}][0-9]{{4}}$")
_NEW_ENERGY_LARGE = re.compile(rf"^[{_PROVINCES}][A-Z][0-9]{{5}}[DF]$")
# Separators people type between the office letter and the serial: 豫N·12345, 豫N-12345, 豫N 12345.
_SEPARATORS = re.compile(r"[\s·•．.\-_]")


@dataclass(frozen=True)
class PlateCheck(Verdict):
    valid: bool
    normalized: str
    new_energy: bool = False


def _refused(text: str, template: str, **args) -> PlateCheck:
    return PlateCheck(False, text, reason_template=template, reason_args=args)


def check_plate(raw: str) -> PlateCheck:
    """Normalise (full-width to half-width, upper case, separators dropped) and check the shape."""
    text = _SEPARATORS.sub("", to_halfwidth(str(raw or ""))).upper()
    if not text:
        return _refused(text, gettext_noop("empty"))
    if text[0] not in _PROVINCES:
        return _refused(text, gettext_noop("must start with a province's abbreviation (e.g. 豫)"))
    if len(text) not in (7, 8):
        return _refused(text, gettext_noop("must have 7 characters (8 for a new-energy vehicle), got %(length)d"),
                        length=len(text))
    if not "A" <= text[1] <= "Z":
        return _refused(text, gettext_noop("the second character must be the issuing office's letter"))
    if len(text) == 8:
        if _NEW_ENERGY_SMALL.match(text) or _NEW_ENERGY_LARGE.match(text):
            return PlateCheck(True, text, new_energy=True)
        return _refused(text, gettext_noop("not a new-energy plate: the serial must start with an energy letter "
                                           "(D, F…) or be five digits and D or F"))
    if _ORDINARY.match(text):
        return PlateCheck(True, text)
    return _refused(text, gettext_noop("the serial must be five letters or digits (no I or O)"))


def province_prefix(area_code: str) -> str:
    """The plate abbreviation of the province an area lies in ("411402" -> "豫"), or "" when unknown."""
    return PROVINCE_ABBREVIATIONS.get(area_code[:2], "")
