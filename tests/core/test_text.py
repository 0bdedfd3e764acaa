"""The one cleaner of free text (core.text): bidi controls out, zero-width characters as spaces in one-line fields."""

from __future__ import annotations

from django import forms
from hypothesis import given
from hypothesis import strategies as st

from fangkong.core.text import TextField, clean_line, clean_lines
from fangkong.people import normalize as nz
from fangkong.people.validation import PersonInvalid, clean_person

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
INVISIBLE = set(BIDI + ZERO_WIDTH)

any_text = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(BIDI + ZERO_WIDTH + " \t\n张三ab")))


@given(any_text)
def test_a_cleaned_line_has_no_invisible_character_and_no_outer_or_double_space(value):
    line = clean_line(value)
    assert not INVISIBLE & set(line)
    assert line == line.strip() and "  " not in line and "\n" not in line


@given(any_text)
def test_cleaning_twice_changes_nothing(value):
    assert clean_line(clean_line(value)) == clean_line(value)
    assert clean_lines(clean_lines(value)) == clean_lines(value)


@given(st.text(alphabet=st.sampled_from(BIDI + ZERO_WIDTH + " \u3000\t")))
def test_text_of_invisible_characters_only_is_empty(value):
    assert clean_line(value) == "" and clean_lines(value) == ""


@given(st.text(alphabet=st.characters(exclude_categories=["Cc", "Cf", "Cs", "Zs", "Zl", "Zp"]), min_size=1))
def test_visible_text_is_kept_as_it_is(value):
    assert clean_line(value) == value


def test_it_keeps_the_lines_of_a_note():
    assert clean_lines("第一行\u202e\n第二行\u200b") == "第一行\n第二行"


def test_a_name_of_zero_width_characters_only_is_required():
    for name in ("\u200b", "\u200c\u200d", "\ufeff\u2060", "\u202e\u200b "):
        try:
            clean_person(name=name, id_type="passport", id_number="E1234567")
        except PersonInvalid as exc:
            assert exc.errors["name"] == "name is required"
        else:
            raise AssertionError(f"{name!r} was taken as a name")


def test_a_name_loses_its_bidi_controls():
    assert clean_person(name="张\u202e三\u2066", id_type="passport", id_number="E1234567").name == "张三"


def test_the_import_cleans_cells_the_same_way():
    assert nz.clean_name("\u200b张\u202e三\u2060") == "张三"
    assert nz.clean_text("\u2067\u200b\ufeff") == ""


def test_a_form_field_of_invisible_characters_only_is_required():
    class NameForm(forms.Form):
        name = TextField(max_length=50)

    form = NameForm({"name": "\u200b\u200d\u202e"})
    assert not form.is_valid() and "name" in form.errors
    form = NameForm({"name": "李\u202e四"})
    assert form.is_valid() and form.cleaned_data["name"] == "李四"
