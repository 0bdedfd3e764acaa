"""Normalising spreadsheet cells: property tests for what is repaired and what is refused."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangkong.core.ids import check_digit
from fangkong.people import normalize as nz

FULLWIDTH_DIGITS = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
SPACES = st.sampled_from([" ", "\u3000", "\u00a0", "\t", "  "])


def id_numbers():
    return st.builds(
        lambda region, born, seq: region + born.strftime("%Y%m%d") + seq,
        st.sampled_from(["110101", "411402", "440305"]),
        st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2020, 12, 31)),
        st.from_regex(r"\A[0-9]{3}\Z"),
    ).map(lambda first17: first17 + check_digit(first17))


@given(id_numbers(), SPACES, SPACES)
def test_it_repairs_full_width_and_stray_spaces_in_id_numbers(number, before, after):
    assert nz.normalize_id_number(before + number.translate(FULLWIDTH_DIGITS) + after) == number


@given(id_numbers())
def test_an_18_digit_id_number_stored_by_excel_as_an_integer_is_refused(number):
    # Excel keeps 15 digits: an integer cell of 18 digits is those 15 and three zeros (docs/import.md),
    # which can pass the check digit by chance. It is refused, never kept.
    if number.endswith("X"):
        return
    with pytest.raises(nz.CellError, match="lost its last digits"):
        nz.normalize_id_number(int(number))


@given(st.integers(10**14, 10**15 - 1))
def test_a_15_digit_number_stored_as_an_integer_is_kept(value):
    assert nz.normalize_id_number(value) == str(value)


@given(id_numbers())
def test_it_refuses_an_18_digit_id_number_given_as_a_float(number):
    with pytest.raises(nz.CellError, match="lost"):
        nz.normalize_id_number(float(number[:17]))


@given(st.floats(min_value=1e15, max_value=1e19))
def test_it_refuses_every_float_of_16_or_more_digits(value):
    with pytest.raises(nz.CellError):
        nz.normalize_id_number(value)


@given(st.integers(min_value=100000, max_value=999999), st.integers(min_value=1, max_value=16),
       st.sampled_from(["E", "e"]), st.sampled_from(["+", ""]))
def test_it_refuses_scientific_notation_text(mantissa, exponent, e, sign):
    text = f"{str(mantissa)[0]}.{str(mantissa)[1:]}{e}{sign}{exponent}"
    with pytest.raises(nz.CellError, match="scientific notation"):
        nz.normalize_id_number(text)


@given(st.from_regex(r"\A1[3-9][0-9]{9}\Z"))
def test_a_phone_stored_as_a_number_or_with_dot_zero_is_kept(phone):
    assert nz.normalize_phone(int(phone)) == phone
    assert nz.normalize_phone(float(phone)) == phone
    assert nz.normalize_phone(phone + ".0") == phone
    assert nz.normalize_phone(phone.translate(FULLWIDTH_DIGITS)) == phone


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 12, 31)))
def test_every_usual_way_of_writing_a_date_gives_the_same_date(day):
    forms = [
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}-{day.month}-{day.day}",
        f"{day.year}.{day.month:02d}.{day.day:02d}",
        day.strftime("%Y%m%d"),
        day.isoformat().translate(FULLWIDTH_DIGITS),
        dt.datetime.combine(day, dt.time()),
        day,
    ]
    for form in forms:
        assert nz.parse_date(form) == day, form


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 12, 31)))
def test_a_number_in_a_date_column_is_an_excel_serial(day):
    serial = (day - dt.date(1899, 12, 30)).days
    assert nz.parse_date(serial) == day
    assert nz.parse_date(float(serial)) == day
    assert nz.parse_date(str(serial)) == day


def test_excel_serial_44226_is_30_january_2021():
    assert nz.parse_date(44226) == dt.date(2021, 1, 30)


@pytest.mark.parametrize("text", ["2021-02-30", "2021年13月1日", "yesterday", "30/01/2021", 60, 1.5, -3])
def test_it_refuses_what_is_not_a_date(text):
    with pytest.raises(nz.CellError):
        nz.parse_date(text)


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=4), st.lists(SPACES, min_size=1, max_size=3))
def test_spaces_inside_a_chinese_name_are_dropped(name, spaces):
    spaced = spaces[0] + "".join(c + spaces[i % len(spaces)] for i, c in enumerate(name))
    assert nz.clean_name(spaced) == name


def test_a_latin_name_keeps_one_space_between_words():
    assert nz.clean_name("  John \u3000 SMITH ") == "John SMITH"


@given(st.text(max_size=30))
def test_clean_text_never_leaves_leading_trailing_or_double_spaces(text):
    out = nz.clean_text(text)
    assert out == out.strip()
    assert "  " not in out
    assert "\u3000" not in out


@pytest.mark.parametrize(("header", "key"), [
    ("证件号码", "id_number"), ("身份证号码*", "id_number"), ("Document number", "id_number"),
    ("ID_Number", "id_number"), ("出生日期（yyyy-mm-dd）", "birth_date"), ("手机号码", "phone"),
    ("Mobile", "phone"), ("区域编码", "area_code"), ("Area code", "area_code"), (" 姓　名 ", "name"),
    ("Relation to head", "relation"), ("residence status", "residence"), ("whatever", None),
])
def test_it_reads_chinese_and_english_headers(header, key):
    assert nz.header_key(header) == key


@pytest.mark.parametrize(("text", "code"), [
    ("身份证", "resident_id"), ("护照", "passport"), ("passport", "passport"), ("台胞证", "taiwan_permit"),
    ("出生医学证明", "birth_certificate"), ("无", "none"),
])
def test_it_reads_document_types_by_chinese_name_or_code(text, code):
    assert nz.parse_id_type(text, has_number=True) == code


def test_an_empty_document_type_is_a_resident_id_only_when_there_is_a_number():
    assert nz.parse_id_type("", has_number=True) == "resident_id"
    assert nz.parse_id_type("", has_number=False) == "none"


def test_it_maps_known_chinese_tags_and_keeps_others():
    assert nz.parse_tags("学生，冷链、 返乡人员;自定义") == ["student", "cold_chain", "returnee", "自定义"]


@given(st.sampled_from("=+-@\t\r"), st.text(max_size=10))
def test_the_apostrophe_of_an_escaped_export_cell_is_taken_off(first, rest):
    assert nz.clean_text("'" + first + rest) == nz.clean_text(first + rest)


ANY_CELL = st.one_of(
    st.none(), st.text(max_size=30), st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.dates(), st.datetimes(),
)


@given(ANY_CELL)
def test_any_cell_either_reads_or_gives_a_reason_never_a_crash(value):
    for parse in (nz.parse_date, nz.normalize_id_number, nz.normalize_phone, nz.parse_sex, nz.parse_residence,
                  nz.clean_code, lambda v: nz.parse_id_type(v, has_number=True)):
        try:
            parse(value)
        except nz.CellError as exc:
            assert exc.message
    assert isinstance(nz.clean_text(value), str)
    assert isinstance(nz.parse_tags(value), list)


def test_a_superscript_digit_is_refused_as_a_date_not_a_crash():
    # "¹".isdigit() is True but int("¹") fails: the serial check must take decimal digits only.
    with pytest.raises(nz.CellError):
        nz.parse_date("¹")
