"""Normalising spreadsheet cells as grid workers' 台账 arrive: pure functions, no Django.

What is unambiguous is repaired (stray and full-width spaces, full-width digits and
letters, numbers that Excel stored for an ID number or a phone, the usual ways of
writing a date); what is not is refused with a `CellError` whose message is an
English msgid (marked with `gettext_noop` so makemessages finds it) that the caller
translates. Nothing here guesses: an ID number that Excel turned into 1.10101E+17
has lost digits and is refused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
import unicodedata

from openpyxl.utils.datetime import from_excel

from fangkong.core.ids import to_halfwidth
from fangkong.core.text import INVISIBLE, ZERO_WIDTH, strip_bidi
from fangkong.imports import columns
from fangkong.imports.columns import EXTRA_COLUMNS, SOURCE_ROW, alias_table  # noqa: F401 - the import's names


def gettext_noop(message: str) -> str:
    """Marks a msgid for extraction; the importer translates it when it writes the reason."""
    return message


class CellError(ValueError):
    """A cell that cannot be read without guessing. `message` is a msgid, `params` fill it."""

    def __init__(self, message: str, **params):
        super().__init__(message)
        self.message = message
        self.params = params


# The template's columns, in order: field key -> header written in the template (Chinese).
TEMPLATE_COLUMNS: dict[str, str] = {
    "household_code": "户编码",
    "area_code": "区域编码",
    "address": "地址",
    "name": "姓名",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "sex": "性别",
    "birth_date": "出生日期",
    "relation": "与户主关系",
    "phone": "手机号码",
    "occupation": "职业",
    "residence": "居住状态",
    "tags": "标签",
}
REQUIRED = ("area_code", "name")
FORMULA_STARTS = "=+-@\t\r"  # what core.exports escapes with a leading apostrophe

_ALIASES: dict[str, tuple[str, ...]] = {
    "household_code": ("户编码", "户编号", "户号", "householdcode", "household", "householdno"),
    "area_code": ("区域编码", "网格编码", "楼院编码", "区域代码", "网格代码", "网格", "areacode", "area", "gridcode", "grid"),
    "address": ("地址", "住址", "现住址", "家庭住址", "居住地址", "address"),
    "name": ("姓名", "name", "fullname"),
    "id_type": ("证件类型", "documenttype", "idtype", "doctype"),
    "id_number": ("证件号码", "身份证号", "身份证号码", "公民身份号码", "证件号", "documentnumber", "idnumber", "docnumber"),
    "sex": ("性别", "sex", "gender"),
    "birth_date": ("出生日期", "出生年月日", "出生年月", "birthdate", "dateofbirth", "birthday", "dob"),
    "relation": ("与户主关系", "户主关系", "关系", "relation", "relationtohead"),
    "phone": ("手机号码", "手机号", "手机", "联系电话", "电话", "mobile", "phone", "mobilephone", "phonenumber"),
    "occupation": ("职业", "occupation", "job"),
    "residence": ("居住状态", "在住状态", "居住情况", "residence", "residencestatus"),
    "tags": ("标签", "人员类别", "重点人员类别", "tags", "tag", "category"),
    SOURCE_ROW: ("原批次行号", "sourcerow"),
    "reject_row": ("行号", "row"),
    "reject_column": ("列", "column"),
    "reason": ("原因", "reason"),
}


HEADER_TO_FIELD = alias_table(_ALIASES)

_SPACES = re.compile(f"[\\s\u00a0\u3000{ZERO_WIDTH}]+")
_NEEDS_WORK = re.compile(f"[\uff01-\uff5e{INVISIBLE}]|[^\\S ]|  |^ | $|^'")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff\u00b7]) (?=[\u3400-\u9fff\u00b7])")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d*)?[eE][+-]?\d+$")
_DIGITS_DOT_ZERO = re.compile(r"^(\d+)\.0+$")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$"),
    re.compile(r"^(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
EXCEL_SERIAL_MAX = 2958465  # 9999-12-31


def header_key(header, table: dict[str, str] | None = None) -> str | None:
    """The field a header names; `table` is an import's alias table, the households-and-persons template's by default."""
    return columns.header_key(header, HEADER_TO_FIELD if table is None else table)


def clean_text(value) -> str:
    """Any cell as text: full-width to half-width, every run of spaces (of any kind) to one, trimmed.

    The apostrophe that our exports put before a formula-like value is taken off again.
    """
    if value is None:
        return ""
    if type(value) is str and value.isascii():
        # The common case, made cheap: ASCII has no full-width forms, and split() takes every ASCII space.
        if value[:1] == "'" and value[1:2] in FORMULA_STARTS and len(value) > 1:
            value = value[1:]
        return " ".join(value.split())
    if type(value) is str and not _NEEDS_WORK.search(value) and unicodedata.is_normalized("NFC", value):
        return value  # already clean (most Chinese cells)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    text = strip_bidi(unicodedata.normalize("NFC", to_halfwidth(str(value))))  # core.text: no reordered display
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        text = text[1:]
    text = _SPACES.sub(" ", text).strip()
    return text


def clean_name(value) -> str:
    """A name: spaces between Chinese characters dropped ("张 三" -> "张三"), Latin names keep theirs."""
    return _CJK_GAP.sub("", clean_text(value))


def _number_text(value) -> str:
    """Digits of a number Excel stored for a code. Refuses anything whose digits may be lost."""
    if isinstance(value, bool):
        raise CellError(gettext_noop("not a number"))
    if isinstance(value, int):
        if value >= 10**15:
            # An integer cell of 16 or more digits is Excel's 15 kept digits written back with zeros: the
            # number may even pass its check digit by chance (docs/import.md). Refuse it as a float is refused.
            raise CellError(gettext_noop(
                "the number was stored by Excel as a number and has lost its last digits; "
                "format the column as text and type the number again"))
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer() or value < 0:
            raise CellError(gettext_noop("not a whole number"))
        if value >= 1e15:
            # A float cannot hold 16 or more digits exactly, and Excel keeps only 15:
            # the tail of the number is gone. Refuse rather than guess it.
            raise CellError(gettext_noop(
                "the number was stored by Excel as a number and has lost its last digits; "
                "format the column as text and type the number again"))
        return str(int(value))
    text = clean_text(value).replace(" ", "")
    if _SCIENTIFIC.match(text):
        raise CellError(gettext_noop(
            "the number is written in scientific notation (like 1.10101E+17) and has lost digits; "
            "format the column as text and type the number again"))
    match = _DIGITS_DOT_ZERO.match(text)
    if match:
        text = match.group(1)
    return text


def normalize_id_number(value) -> str:
    """A document number as text: digits and letters upper-cased, no spaces; "" when empty."""
    if value is None or value == "":
        return ""
    return _number_text(value).upper()


def normalize_phone(value) -> str:
    """A phone as text (its own validation is core.ids.normalize_mobile); "" when empty."""
    if value is None or value == "":
        return ""
    return _number_text(value)


def excel_serial_to_date(serial: float) -> dt.date:
    """Excel's 1900 date system, with its phantom 29 February 1900 (serial 60)."""
    if not (1 <= serial <= EXCEL_SERIAL_MAX) or not float(serial).is_integer():
        raise CellError(gettext_noop("the number %(value)s is not a date"), value=serial)
    serial = int(serial)
    if serial == 60:  # 1900-02-29, a day that never was
        raise CellError(gettext_noop("the number %(value)s is not a date"), value=serial)
    return from_excel(serial).date()


def parse_date(value) -> dt.date | None:
    """A date cell: a date or datetime, an Excel serial, or text in one of the usual forms; None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise CellError(gettext_noop("not a date"))
    if isinstance(value, int | float):
        return excel_serial_to_date(value)
    if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        with contextlib.suppress(ValueError):
            return dt.date.fromisoformat(value)  # 2021-01-30, the form most files use
    text = clean_text(value).replace(" ", "")
    if not text:
        return None
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise CellError(gettext_noop("%(value)s is not a real date"), value=text) from None
    serial = _DIGITS_DOT_ZERO.sub(r"\1", text)
    if serial.isdecimal() and len(serial) <= 7:
        return excel_serial_to_date(int(serial))
    raise CellError(gettext_noop("%(value)s is not a date; write it as 2021-01-30"), value=text)


_DATE_THEN_TIME = re.compile(r"^(?P<date>.+?)(?:\s*[T ]\s*|(?<=日))(?P<time>\d{1,2}\s*[:：时点].*)$")
_TIME = re.compile(r"^(\d{1,2})[:：时点](?:(\d{1,2})(?:[:：分](?:(\d{1,2})(?:\.\d+)?秒?)?)?)?$")


def parse_datetime(value) -> dt.datetime | None:
    """A date-and-time cell (an arrival or a push time): a datetime, a date, an Excel serial with its
    fraction of a day, or text such as 2022-01-05 14:30, 2022/1/5 14:30:15, 2022年1月5日14时30分, or a
    date alone (midnight). Naive local time; None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, bool):
        raise CellError(gettext_noop("not a date"))
    if isinstance(value, int | float):
        return _excel_serial_to_datetime(value)
    text = clean_text(value)
    if not text:
        return None
    match = _DATE_THEN_TIME.match(text)
    if match is None:
        day = parse_date(text)
        return dt.datetime.combine(day, dt.time()) if day else None
    day = parse_date(match.group("date"))
    clock = _TIME.match(match.group("time").replace(" ", ""))
    if day is None or clock is None:
        raise CellError(gettext_noop("%(value)s is not a date and time; write it as 2022-01-05 14:30"), value=text)
    hour, minute, second = (int(g) if g else 0 for g in clock.groups())
    try:
        return dt.datetime.combine(day, dt.time(hour, minute, second))
    except ValueError:
        raise CellError(gettext_noop("%(value)s is not a real time of day"), value=text) from None


def _excel_serial_to_datetime(serial: float) -> dt.datetime:
    if not (1 <= serial <= EXCEL_SERIAL_MAX + 0.99999) or int(serial) == 60:
        raise CellError(gettext_noop("the number %(value)s is not a date"), value=serial)
    try:
        moment = from_excel(serial)
    except (ValueError, OverflowError):
        raise CellError(gettext_noop("the number %(value)s is not a date"), value=serial) from None
    return moment.replace(microsecond=0) if isinstance(moment, dt.datetime) else dt.datetime.combine(moment, dt.time())


_ID_TYPES = {
    "resident_id": ("居民身份证", "身份证", "身份证号", "二代身份证", "residentid", "idcard", "resident_id"),
    "passport": ("护照", "passport"),
    "hk_macao_permit": ("港澳通行证", "港澳居民来往内地通行证", "回乡证", "港澳居民居住证", "hk_macao_permit", "hkmacaopermit"),
    "taiwan_permit": ("台胞证", "台湾居民来往大陆通行证", "台湾居民居住证", "taiwan_permit", "taiwanpermit"),
    "foreign_permanent": ("外国人永久居留身份证", "外国人永久居留证", "永居证", "foreign_permanent", "foreignpermanent"),
    "birth_certificate": ("出生医学证明", "出生证明", "出生证", "birth_certificate", "birthcertificate"),
    "none": ("无", "无证件", "none", "nodocument"),
}
_ID_TYPE_OF = {alias.lower(): key for key, aliases in _ID_TYPES.items() for alias in aliases}


def parse_id_type(value, *, has_number: bool) -> str:
    """A document type by its code or Chinese name; empty means a resident ID when there is a number."""
    text = clean_text(value).replace(" ", "").lower()
    if not text:
        return "resident_id" if has_number else "none"
    try:
        return _ID_TYPE_OF[text]
    except KeyError:
        raise CellError(gettext_noop("unknown document type %(value)s"), value=clean_text(value)) from None


_SEX = {"男": "M", "男性": "M", "m": "M", "male": "M", "女": "F", "女性": "F", "f": "F", "female": "F",
        "未知": "U", "u": "U", "unknown": "U"}


def parse_sex(value) -> str:
    text = clean_text(value).replace(" ", "").lower()
    if not text:
        return ""
    try:
        return _SEX[text]
    except KeyError:
        raise CellError(gettext_noop("sex must be 男 or 女 (M or F), not %(value)s"), value=clean_text(value)) from None


_RESIDENCE = {
    "resident": ("在家", "常住", "在住", "居住", "在村", "在本地", "resident", "livinghere"),
    "away": ("外出", "不在本地", "离开", "away"),
    "temporary": ("暂住", "临时居住", "流动", "temporary"),
}
_RESIDENCE_OF = {alias: key for key, aliases in _RESIDENCE.items() for alias in aliases}


def parse_residence(value) -> str:
    text = clean_text(value).replace(" ", "").lower()
    if not text:
        return ""
    try:
        return _RESIDENCE_OF[text]
    except KeyError:
        raise CellError(gettext_noop("residence status must be 在家, 外出 or 暂住, not %(value)s"),
                        value=clean_text(value)) from None


_TAGS = {
    "学生": "student", "冷链": "cold_chain", "冷链从业人员": "cold_chain", "医务人员": "medical", "医护": "medical",
    "外出务工": "migrant_worker", "务工人员": "migrant_worker", "返乡人员": "returnee", "返乡": "returnee",
    "境外入境": "inbound", "入境人员": "inbound", "老人": "elderly", "孕妇": "pregnant",
}
_TAG_SPLIT = re.compile(r"[,，、;；|/\s]+")


def parse_tags(value) -> list[str]:
    """Tags separated by commas (either width), 、 or semicolons; known Chinese labels become their codes."""
    text = clean_text(value)
    seen: list[str] = []
    for part in _TAG_SPLIT.split(text):
        if not part:
            continue
        tag = _TAGS.get(part, part.lower() if part.isascii() else part)
        if tag not in seen:
            seen.append(tag)
    return seen


def clean_code(value) -> str:
    """An area or household code: digits (from a number or text); letters refused by the caller."""
    if value is None or value == "":
        return ""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return _number_text(value)
    return clean_text(value).replace(" ", "")
