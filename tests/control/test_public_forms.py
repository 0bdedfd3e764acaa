"""The public forms take any input a phone (or a program) can send and answer with field errors, never a crash."""

from __future__ import annotations

import string
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.areas.models import Area
from fangkong.arrivals.public_forms import DeclarationForm
from fangkong.control.public_forms import SelfCheckinForm, resident_id_problem
from fangkong.core.ids import check_resident_id

PLACES = {None: [SimpleNamespace(code="11", name="北京市")], "11": [SimpleNamespace(code="1101", name="市辖区")],
          "1101": [SimpleNamespace(code="110105", name="朝阳区")], "110105": []}
COMMUNITY = Area(code="411402001001", name="一社区", level=5)
FIELDS = list(DeclarationForm.base_fields)
values = st.one_of(st.text(max_size=60), st.sampled_from(["", "on", "11", "1101", "110105", "2022-06-01", "resident_id",
                                                           "train", "13812345678", "11010519491231002X"]))


def declaration_form(data: dict) -> DeclarationForm:
    return DeclarationForm(data, community=COMMUNITY, buildings=[("411402001001001001", "1号楼院")],
                           places=lambda parent: PLACES.get(parent, []))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), values, max_size=len(FIELDS)))
def test_any_declaration_post_gives_a_verdict_and_errors_name_real_fields(data):
    form = declaration_form(data)
    valid = form.is_valid()
    assert all(field == "__all__" or field in form.fields for field in form.errors)
    if valid:
        parsed = form.to_input()
        assert parsed.category in ("inbound", "returnee") and parsed.origin_name


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["temperature", "symptoms", "website", "rendered"]), values))
def test_any_checkin_post_gives_a_verdict(data):
    form = SelfCheckinForm(data)
    if form.is_valid():
        assert 34 <= form.cleaned_data["temperature"] <= 43


@given(st.text(alphabet=string.digits + "Xx ", max_size=20))
def test_a_resident_id_problem_is_reported_exactly_when_the_number_is_invalid(number):
    assert (resident_id_problem(number) is None) == check_resident_id(number).valid
