"""Typed origins resolve to one division of the country, or say why not (areas.gazetteer; issue 11 §8)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.areas import gazetteer

NAMES = gazetteer.full_names()
TABLE = gazetteer.table()
COUNTIES = sorted(code for code, d in TABLE.by_code.items() if d.level == 3)


def test_the_table_holds_the_countrys_provinces_prefectures_and_counties():
    levels = [d.level for d in TABLE.by_code.values()]
    assert (levels.count(1), levels.count(2), levels.count(3)) == (31, 342, 2978)
    assert NAMES["110105"] == "北京市朝阳区" and NAMES["220104"] == "吉林省长春市朝阳区"


def test_the_ways_a_resident_writes_beijing_chaoyang_all_resolve_to_110105():
    for text in ("北京市朝阳区", "北京朝阳区", "北京 朝阳区", "北京市　朝阳区", "朝阳区（北京）", "朝阳区(北京市)",
                 "北京市市辖区朝阳区", "北京朝阳", "ＢＪ北京市朝阳区"[2:]):
        assert gazetteer.resolve(text).code == "110105", text


def test_a_name_shared_by_several_places_is_not_guessed():
    answer = gazetteer.resolve("朝阳区")
    assert answer.code is None and answer.reason == "ambiguous" and set(answer.candidates) == {"110105", "220104"}
    assert gazetteer.resolve("鼓楼区").reason == "ambiguous"
    assert gazetteer.resolve("南京鼓楼").code == "320106" and gazetteer.resolve("福建鼓楼区").code == "350102"


def test_nonsense_and_foreign_places_are_not_found():
    for text in ("", "   ", "火星", "某国", "asdf", "朝阳区朝阳区朝阳区"):
        assert gazetteer.resolve(text).code is None, text


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(COUNTIES))
def test_every_countys_full_name_resolves_back_to_it(code):
    assert gazetteer.resolve(NAMES[code]).code == code


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(COUNTIES), st.sampled_from([" ", "　", "", "·"]))
def test_spaces_and_separators_between_the_parts_change_nothing(code, separator):
    d = TABLE.by_code[code]
    parts = [TABLE.by_code[c].name for c in (code[:2], code[:4]) if c in TABLE.by_code
             and TABLE.by_code[c].name not in gazetteer.PLACEHOLDERS]
    if parts and parts[-1] == d.name:
        parts = parts[:-1]
    assert gazetteer.resolve(separator.join([*parts, d.name])).code == code


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_any_text_gives_one_code_or_a_reason_never_an_error(text):
    answer = gazetteer.resolve(text)
    assert (answer.code is None) == (answer.reason in ("not_found", "ambiguous"))
    assert answer.code is None or answer.code in NAMES
