import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from fangkong.core.ids import check_digit, check_resident_id, normalize_mobile, upgrade_15_to_18
from tests.conftest import make_id_number

regions = st.sampled_from(["110101", "411402", "350527", "441900", "653130"])
dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))
seqs = st.integers(min_value=0, max_value=999).map(lambda n: f"{n:03d}")


@given(regions, dates, seqs)
def test_it_accepts_every_well_formed_number_and_derives_birth_and_sex(region, born, seq):
    number = make_id_number(region, born.strftime("%Y%m%d"), seq)
    result = check_resident_id(number, today=dt.date(2026, 1, 1))
    assert result.valid, result.reason
    assert result.birth_date == born
    assert result.sex == ("M" if int(seq[-1]) % 2 else "F")


@given(regions, dates, seqs, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_it_rejects_any_single_digit_change(region, born, seq, position, delta):
    number = make_id_number(region, born.strftime("%Y%m%d"), seq)
    digit = (int(number[position]) + delta) % 10
    changed = number[:position] + str(digit) + number[position + 1 :]
    assert not check_resident_id(changed, today=dt.date(2026, 1, 1)).valid


@given(regions, dates, seqs)
def test_it_normalises_lower_case_x_and_full_width_digits(region, born, seq):
    number = make_id_number(region, born.strftime("%Y%m%d"), seq)
    written = number.lower().translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert check_resident_id(f" {written} ", today=dt.date(2026, 1, 1)).normalized == number


def test_it_knows_the_published_check_character():
    # The GB 11643-1999 worked example: 11010519491231002X.
    assert check_digit("11010519491231002") == "X"
    assert check_resident_id("11010519491231002x").normalized == "11010519491231002X"


def test_it_upgrades_a_legacy_15_digit_number():
    result = check_resident_id("110105491231002")
    assert result.valid
    assert result.normalized == "11010519491231002X" == upgrade_15_to_18("110105491231002")
    assert result.sex == "F"


def test_it_says_why_a_number_is_invalid():
    assert "check character" in check_resident_id("110105194912310021").reason
    assert "not a real date" in check_resident_id(make_id_number(born="19900230")[:17] + "0").reason
    assert "18 characters" in check_resident_id("1234").reason
    assert check_resident_id(make_id_number(born="20990101"), today=dt.date(2026, 1, 1)).reason.endswith("out of range")


@given(st.sampled_from("3456789"), st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_it_accepts_mainland_mobiles_in_common_spellings(second, rest):
    number = "1" + second + rest
    for spelling in (number, f"+86 {number}", f"{number[:3]}-{number[3:7]}-{number[7:]}", "0086" + number):
        assert normalize_mobile(spelling) == number


@given(st.text(max_size=14))
def test_it_never_accepts_a_mobile_that_is_not_eleven_digits(text):
    result = normalize_mobile(text)
    assert result is None or (len(result) == 11 and result.isdigit() and result[0] == "1")


def test_it_rejects_landlines_and_short_numbers():
    assert normalize_mobile("0370-3221234") is None
    assert normalize_mobile("12345678901") is None
    assert normalize_mobile("1381234567") is None



def test_an_invalid_id_number_is_explained_in_the_users_language():
    import pytest
    from django.utils import translation

    from fangkong.people.validation import PersonInvalid, clean_person

    with translation.override("zh-hans"), pytest.raises(PersonInvalid) as caught:
        clean_person(name="张三", id_number="110105194912310021")
    assert caught.value.errors["id_number"] == "身份证号码无效：校验码应为 X，而不是 1"
