"""The cell parsers of the arrivals import: any cell reads or gives a reason, never crashes; what reads, reads right."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.arrivals import importing as arrival_import
from fangkong.arrivals import rows as ar
from fangkong.people import normalize as nz

ALPHABET = "0123456789０１２３４５６７８９ -/.:：T年月日时分秒点()（）高中低风险地区境外入境返乡来密接是否XxE+\u3000\u00a0"
CELLS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.text(alphabet=ALPHABET, max_size=30),
    st.dates(), st.datetimes(), st.times(),
)
PARSERS = [
    ar.parse_kind, ar.parse_transport, ar.parse_yes_no, ar.division_code, ar.parse_origin, ar.destination_code,
    ar.parse_reference, lambda v: ar.bounded_text(v, 40), nz.parse_datetime,
]


@pytest.mark.parametrize("parse", PARSERS, ids=lambda p: getattr(p, "__name__", "bounded_text"))
@given(value=CELLS)
@settings(max_examples=300, deadline=None)
def test_any_cell_either_reads_or_gives_a_reason(parse, value):
    try:
        parse(value)
    except nz.CellError as exc:
        message = exc.message % exc.params if exc.params else exc.message
        assert message.strip()


@given(value=CELLS, code=CELLS)
@settings(max_examples=300, deadline=None)
def test_an_origin_with_any_code_cell_reads_or_gives_a_reason(value, code):
    try:
        name, division = ar.parse_origin(value, code)
    except nz.CellError:
        return
    assert division == "" or division.isdigit()
    assert len(name) <= 200


MOMENTS = st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(2099, 12, 31)).map(
    lambda d: d.replace(microsecond=0))


@given(MOMENTS, st.sampled_from(["{d:%Y-%m-%d %H:%M:%S}", "{d.year}/{d.month}/{d.day} {d.hour}:{d.minute:02d}:{d.second:02d}",
                                 "{d.year}年{d.month}月{d.day}日{d.hour}时{d.minute}分{d.second}秒",
                                 "{d:%Y-%m-%dT%H:%M:%S}", "{d.year}年{d.month}月{d.day}日 {d.hour}:{d.minute:02d}:{d.second:02d}"]))
def test_a_written_date_and_time_reads_back(moment, form):
    assert nz.parse_datetime(form.format(d=moment)) == moment


@given(MOMENTS)
def test_an_excel_serial_with_its_fraction_reads_to_the_second(moment):
    serial = (moment - dt.datetime(1899, 12, 30)).total_seconds() / 86400
    assert abs(nz.parse_datetime(serial) - moment) <= dt.timedelta(seconds=1)


@given(st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_a_date_alone_reads_as_midnight(day):
    assert nz.parse_datetime(day.isoformat()) == dt.datetime.combine(day, dt.time())
    assert nz.parse_datetime(f"{day.year}年{day.month}月{day.day}日") == dt.datetime.combine(day, dt.time())


@pytest.mark.parametrize(("text", "expected"), [
    ("境外入境", ("inbound", None)), ("入境人员", ("inbound", None)), ("高风险", (None, "high")),
    ("中风险地区来返", ("returnee", "medium")), ("低风险地区返乡", ("returnee", "low")), ("返乡", ("returnee", None)),
    ("中高风险", (None, "medium")), ("risk_area_arrival", ("risk_area_arrival", None)), ("High", (None, "high")),
    ("Medium risk", (None, "medium")), ("", (None, None)),
])
def test_a_category_or_risk_cell_reads(text, expected):
    assert ar.parse_kind(text) == expected


@pytest.mark.parametrize(("category", "level", "expected"), [
    ("inbound", "high", "inbound"), (None, "high", "risk_area_arrival"), ("returnee", "medium", "risk_area_arrival"),
    ("returnee", "low", "returnee"), (None, None, "returnee"), ("risk_area_arrival", None, "risk_area_arrival"),
])
def test_the_policy_category_follows_the_stated_category_and_level(category, level, expected):
    assert ar.arrival_category(category, level) == expected


@given(st.sampled_from(["41", "4114", "411402", "411402001", "411402001001"]))
def test_a_national_12_digit_code_reads_as_its_short_form(code):
    assert ar.division_code(code.ljust(12, "0")) == code
    assert ar.parse_origin(f"某地（{code.ljust(12, '0')}）") == ("某地", code)


def test_a_destination_must_be_a_village_or_below():
    assert ar.destination_code("411402001001") == "411402001001"
    assert ar.destination_code(411402001001001) == "411402001001001"
    with pytest.raises(nz.CellError):
        ar.destination_code("411402001000")


ROW_KEYS = list(ar.TEMPLATE_COLUMNS)


@given(st.lists(CELLS, min_size=len(ROW_KEYS), max_size=len(ROW_KEYS)))
@settings(max_examples=200, deadline=None)
def test_any_row_parses_or_lists_its_reasons(cells):
    row = arrival_import.parse_row(2, cells, dict(enumerate(ROW_KEYS)), today=dt.date(2022, 6, 1))
    for key, reason in row.errors:
        assert key in ar.TEMPLATE_COLUMNS and reason
    if not row.errors:
        assert row.name and row.id_number and row.origin_name and row.arrived_on
        assert row.category in ar.CATEGORIES
