"""The columns of an arrivals import (a 协查 list pushed by another region, or a grid worker's sheet of
arrivals) and the parsers of its arrival-specific cells. Pure: no Django.

Cells shared with the households-and-persons import (names, document numbers, phones, dates, spaces,
full-width forms) are read by `fangkong.people.normalize`; this module adds the category or risk level,
the origin, the transport, a yes/no and the destination's division code. Like there, a cell either
reads or raises `CellError` with an English msgid, and nothing is guessed.
"""

from __future__ import annotations

import re

from fangkong.people import normalize as nz
from fangkong.people.normalize import CellError, gettext_noop
from fangkong.risk.rows import short_code

# Field key -> header written in the template, the errors file and reasons (a 协查 list's usual words).
TEMPLATE_COLUMNS: dict[str, str] = {
    "reference": "协查编号",
    "name": "姓名",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "phone": "手机号码",
    "origin": "来源地",
    "origin_code": "来源地编码",
    "risk": "风险类别",
    "category": "人员类别",
    "arrived_at": "到达时间",
    "transport": "交通方式",
    "transport_number": "航班车次",
    "route": "途经地",
    "negative_test_date": "核酸阴性日期",
    "released": "已解除集中隔离",
    "household_code": "户编码",
    "address": "目的地址",
    "area_code": "目的地区划代码",
    "area_name": "目的地社区村",
    "pushing_unit": "推送单位",
    "pushed_at": "推送时间",
}
# English headers that a file may use instead (documented in docs/import.md).
ENGLISH_COLUMNS: dict[str, str] = {
    "reference": "reference", "name": "name", "id_type": "document type", "id_number": "id number",
    "phone": "phone", "origin": "origin", "origin_code": "origin code", "risk": "origin risk",
    "category": "category", "arrived_at": "arrival time", "transport": "transport",
    "transport_number": "transport number", "route": "route", "negative_test_date": "negative test date",
    "released": "released from centralized isolation", "household_code": "household code",
    "address": "destination address", "area_code": "destination code", "area_name": "destination village",
    "pushing_unit": "pushing unit", "pushed_at": "pushed at",
}
XIECHA_REQUIRED = ("reference", "name", "id_number", "origin", "arrived_at")
SHEET_REQUIRED = ("name", "id_number", "origin", "arrived_at")

_ALIASES: dict[str, tuple[str, ...]] = {
    "reference": ("协查编号", "协查单号", "协查函编号", "协查号", "推送编号", "reference", "referenceno", "ref", "caseno"),
    "name": ("姓名", "name", "fullname"),
    "id_type": ("证件类型", "documenttype", "idtype", "doctype"),
    "id_number": ("证件号码", "身份证号", "身份证号码", "公民身份号码", "证件号", "idnumber", "documentnumber", "docnumber",
                  "idno"),
    "phone": ("手机号码", "手机号", "手机", "联系电话", "电话", "联系方式", "mobile", "phone", "phonenumber"),
    "origin": ("来源地", "来源地区", "来源", "出发地", "始发地", "来自", "来返地", "来源城市", "origin", "from", "departure"),
    "origin_code": ("来源地编码", "来源地区划代码", "来源地代码", "出发地编码", "origincode"),
    "risk": ("风险类别", "风险等级", "来源地风险等级", "风险地区等级", "风险级别", "originrisk", "risklevel", "risk",
             "riskcategory"),
    "category": ("人员类别", "人员类型", "类别", "category", "personcategory"),
    "arrived_at": ("到达时间", "抵达时间", "到达日期", "抵达日期", "来返时间", "返回时间", "返回日期", "入境时间", "arrivaltime",
                   "arrivedat", "arrivedon", "arrivaldate", "arrival"),
    "transport": ("交通方式", "交通工具", "transport", "transportmode"),
    "transport_number": ("航班车次", "航班/车次", "航班号", "车次", "车牌号", "航班车次车牌", "transportnumber", "flight", "train",
                         "plate"),
    "route": ("途经地", "途径地", "行程", "旅居史", "route", "itinerary"),
    "negative_test_date": ("核酸阴性日期", "核酸检测日期", "核酸日期", "阴性证明日期", "negativetestdate", "testdate"),
    "released": ("已解除集中隔离", "解除集中隔离", "是否解除集中隔离", "released", "releasedfromcentralizedisolation"),
    "household_code": ("户编码", "户编号", "householdcode"),
    "address": ("目的地址", "目的地", "落脚地址", "落脚点", "目的地详细地址", "居住地址", "现住址", "住址", "地址", "详细地址",
                "destination", "destinationaddress", "address"),
    "area_code": ("目的地区划代码", "目的地编码", "区划代码", "区域编码", "社区编码", "村编码", "行政区划代码", "destinationcode",
                  "areacode", "divisioncode"),
    "area_name": ("目的地社区村", "目的地社区", "社区村", "社区", "村", "所属社区", "所属村", "村社区", "community", "village",
                  "destinationvillage", "areaname"),
    "pushing_unit": ("推送单位", "协查单位", "发函单位", "发起单位", "pushingunit", "pushedby", "sourceunit"),
    "pushed_at": ("推送时间", "推送日期", "发函时间", "发起时间", "pushedat", "pushtime", "pushdate"),
    nz.SOURCE_ROW: ("原批次行号", "sourcerow"),
}
HEADER_TO_FIELD = nz.alias_table(_ALIASES)

CATEGORIES = ("inbound", "risk_area_arrival", "returnee")
LEVELS = ("high", "medium", "low")
_EXACT_KIND: dict[str, tuple[str | None, str | None]] = {
    "inbound": ("inbound", None), "riskareaarrival": ("risk_area_arrival", None), "returnee": ("returnee", None),
    "high": (None, "high"), "medium": (None, "medium"), "low": (None, "low"),
    "highrisk": (None, "high"), "mediumrisk": (None, "medium"), "lowrisk": (None, "low"),
    "高": (None, "high"), "中": (None, "medium"), "低": (None, "low"),
}
_CONTACTS = ("密接", "密切接触", "次密接", "时空伴随")


def parse_kind(value) -> tuple[str | None, str | None]:
    """A category and/or a risk level from one cell: 境外入境, 高风险, 中风险地区来返, 低风险地区返乡, 返乡…

    (category or None, level or None). "中高风险" reads as medium: the level on our own
    risk-area list raises it when it is higher."""
    text = re.sub(r"[\s_\-]", "", nz.clean_text(value)).lower()
    if not text:
        return None, None
    if text in _EXACT_KIND:
        return _EXACT_KIND[text]
    if any(word in text for word in _CONTACTS):
        raise CellError(gettext_noop("close contacts are registered by the tracing team, not as arrivals"))
    category = None
    if "境外" in text or "入境" in text:
        category = "inbound"
    level = None
    if "中高风险" in text or "中风险" in text:
        level = "medium"
    elif "高风险" in text:
        level = "high"
    elif "低风险" in text:
        level = "low"
    if category is None and ("返" in text or "来" in text):
        category = "returnee"
    if category is None and level is None:
        raise CellError(gettext_noop("unknown category or risk level %(value)s; write 境外入境, 高风险, 中风险, 低风险 or "
                                     "返乡"), value=nz.clean_text(value)[:40])
    return category, level


def arrival_category(category: str | None, level: str | None) -> str:
    """The policy category of an arrival: as stated; else from the level (medium or high: a risk-area
    arrival); else a returnee, whose origin's level then comes from the risk-area list."""
    if category == "inbound":
        return "inbound"
    if level in ("high", "medium"):
        return "risk_area_arrival"
    return category or "returnee"


_TRANSPORT = {
    "plane": ("飞机", "航班", "航空", "民航", "plane", "flight", "air"),
    "train": ("火车", "高铁", "动车", "列车", "铁路", "train", "rail"),
    "car": ("汽车", "自驾", "私家车", "小汽车", "轿车", "car"),
    "bus": ("客车", "大巴", "长途汽车", "长途客车", "公交", "bus", "coach"),
    "other": ("其他", "其它", "other"),
}
_TRANSPORT_OF = {alias: key for key, aliases in _TRANSPORT.items() for alias in aliases}


def parse_transport(value) -> str:
    """plane, train, car, bus or other; a way of travel we have no code for (步行, 船…) is `other`."""
    text = nz.clean_text(value).replace(" ", "").lower()
    return _TRANSPORT_OF.get(text, "other")


_YES = {"是", "已解除", "已", "y", "yes", "true", "1", "√"}
_NO = {"否", "未解除", "未", "无", "n", "no", "false", "0", "×"}


def parse_yes_no(value) -> bool | None:
    if isinstance(value, bool):
        return value
    text = nz.clean_text(value).replace(" ", "").lower()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellError(gettext_noop("write 是 or 否 (yes or no), not %(value)s"), value=nz.clean_text(value)[:40])


def is_digits(text: str) -> bool:
    """ASCII digits only (str.isdigit also takes ¹ or ٣, which no code is written in)."""
    return text.isascii() and text.isdigit()


_NAME_WITH_CODE = re.compile(r"^(?P<name>.*?)\s*[(（\[【]\s*(?P<code>[0-9]+)\s*[)）\]】]$")
ORIGIN_CODE_LENGTHS = (2, 4, 6, 9, 12)


def division_code(value) -> str:
    """A division code of the country (2, 4, 6, 9 or 12 digits) in its short form; "" when empty."""
    code = nz.clean_code(value)
    if not code:
        return ""
    if not is_digits(code) or len(code) not in ORIGIN_CODE_LENGTHS:
        raise CellError(gettext_noop("%(value)s is not a division code (2, 4, 6, 9 or 12 digits)"), value=code[:30])
    return short_code(code)


def parse_origin(value, code_value=None) -> tuple[str, str]:
    """(origin name, division code or ""): 上海市浦东新区, 310115, 上海市浦东新区（310115）, or a name and
    a separate code column. A code alone also serves as the name."""
    code = division_code(code_value)
    text = nz.clean_text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = nz.clean_code(value)
    match = _NAME_WITH_CODE.match(text)
    if match:
        inner = division_code(match.group("code"))
        if code and inner != code:
            raise CellError(gettext_noop("the code in the origin differs from the origin code column"))
        code, text = inner, match.group("name")
    elif is_digits(text):
        inner = division_code(text)
        if code and inner != code:
            raise CellError(gettext_noop("the code in the origin differs from the origin code column"))
        code = inner
    name = text or code
    if len(name) > 200:
        raise CellError(gettext_noop("longer than %(limit)s characters"), limit=200)
    return name, code


DESTINATION_CODE_LENGTHS = (12, 15, 18)


def destination_code(value) -> str:
    """The code of the destination village (12 digits) or of a grid or building under it; "" when empty."""
    code = nz.clean_code(value)
    if not code:
        return ""
    if not is_digits(code):
        raise CellError(gettext_noop("%(value)s is not a division code"), value=code[:30])
    code = short_code(code)
    if len(code) not in DESTINATION_CODE_LENGTHS:
        raise CellError(gettext_noop("%(value)s is not the code of a village or community: give its 12 digits"),
                        value=code[:30])
    return code


def parse_reference(value) -> str:
    """A 协查 reference as written (a number from Excel is read as its digits)."""
    text = nz.clean_code(value)
    if len(text) > 64:
        raise CellError(gettext_noop("longer than %(limit)s characters"), limit=64)
    return text


def bounded_text(value, limit: int) -> str:
    text = nz.clean_text(value)
    if len(text) > limit:
        raise CellError(gettext_noop("longer than %(limit)s characters"), limit=limit)
    return text
