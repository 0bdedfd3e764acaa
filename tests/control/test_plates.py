"""Mainland plates as checkpoint staff type them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangkong.arrivals.plates import PROVINCE_ABBREVIATIONS, check_plate, province_prefix

PROVINCES = st.sampled_from(sorted(PROVINCE_ABBREVIATIONS.values()))
OFFICE = st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ")
SERIAL = st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
DIGIT = st.sampled_from("0123456789")


@given(PROVINCES, OFFICE, st.lists(SERIAL, min_size=5, max_size=5))
def test_every_ordinary_plate_shape_is_accepted(province, office, serial):
    plate = province + office + "".join(serial)
    assert check_plate(plate) == check_plate(plate)  # deterministic
    assert check_plate(plate).valid and check_plate(plate).normalized == plate and not check_plate(plate).new_energy


@given(PROVINCES, OFFICE, st.sampled_from("DF"), SERIAL, st.lists(DIGIT, min_size=4, max_size=4))
def test_every_small_new_energy_plate_of_eight_characters_is_accepted(province, office, energy, second, digits):
    result = check_plate(province + office + energy + second + "".join(digits))
    assert result.valid and result.new_energy


@given(PROVINCES, OFFICE, st.lists(DIGIT, min_size=5, max_size=5), st.sampled_from("DF"))
def test_every_large_new_energy_plate_is_accepted(province, office, digits, energy):
    assert check_plate(province + office + "".join(digits) + energy).valid


@given(st.text(max_size=20))
def test_any_text_gets_an_answer_never_an_exception(text):
    result = check_plate(text)
    assert result.valid or result.reason


@given(PROVINCES, OFFICE, st.lists(SERIAL, min_size=5, max_size=5), st.sampled_from(["·", "-", " ", "．"]))
def test_lower_case_full_width_and_separators_normalise_to_the_same_plate(province, office, serial, sep):
    plate = province + office + "".join(serial)
    typed = (province + office.lower() + sep + "".join(serial).lower())
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in typed)
    assert check_plate(typed).normalized == plate
    assert check_plate(full_width).normalized == plate and check_plate(full_width).valid


@pytest.mark.parametrize(("plate", "reason"), [
    ("", "empty"),
    ("N12345", "must start with a province's abbreviation (e.g. 豫)"),
    ("豫N1234", "must have 7 characters (8 for a new-energy vehicle), got 6"),
    ("豫112345", "the second character must be the issuing office's letter"),
    ("豫NI2345", "the serial must be five letters or digits (no I or O)"),
    ("豫N12O45", "the serial must be five letters or digits (no I or O)"),
    ("豫N123456", "not a new-energy plate: the serial must start with an energy letter (D, F…) or be five digits and D or F"),
])
def test_a_bad_plate_is_refused_with_its_reason(plate, reason):
    result = check_plate(plate)
    assert not result.valid and result.reason == reason


def test_special_plates_and_the_province_prefix():
    assert check_plate("豫N1234挂").valid and check_plate("粤Z1234港").valid
    assert province_prefix("411402") == "豫" and province_prefix("99") == ""
