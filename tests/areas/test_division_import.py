"""The division import: rows in any order, short or 12-digit codes, idempotent, cycles refused."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.areas.division_import import parse_rows, resolve
from fangkong.areas.models import Area
from fangkong.areas.services import divisions_import
from fangkong.core.permissions import CLI

# A county whose villages sit directly under it: the township is the county code padded to 9 digits and the
# village the county code padded to 12 (as in the national table for some counties).
PADDED = [
    ("35", "福建省", ""),
    ("3505", "泉州市", "35"),
    ("350527", "金门县", "3505"),
    ("350527000", "金门县(镇级)", "350527"),
    ("350527000000", "金门县(村级)", "350527000"),
    ("350527000001", "金城村", "350527000"),
]


def _records(rows):
    return [(i, {"code": c, "name": n, "parent_code": p}) for i, (c, n, p) in enumerate(rows, start=2)]


def _resolve(rows, stored=None):
    stored = stored or {}
    return resolve(parse_rows(_records(rows)), lambda code: stored.get(code))


def test_a_village_padded_from_its_county_resolves_in_one_run_whatever_the_order():
    for seed in range(20):
        rows = PADDED[:]
        random.Random(seed).shuffle(rows)
        result = {r.raw_code: r for r in _resolve(rows)}
        assert all(not r.error for r in result.values()), [(r.raw_code, r.error) for r in result.values() if r.error]
        assert (result["350527000000"].code, result["350527000000"].parent) == ("350527000000", "350527000")
        assert result["350527000"].level == 4 and result["350527000000"].level == 5


def test_a_real_cycle_is_refused():
    rows = [("41", "河南省", ""), ("411402001", "甲", "411402001001"), ("411402001001", "乙", "411402001")]
    result = {r.raw_code: r for r in _resolve(rows)}
    assert result["41"].error == ""
    assert result["411402001"].error and result["411402001001"].error


@settings(max_examples=30, deadline=None)
@given(order=st.permutations(range(len(PADDED))))
def test_any_order_gives_the_same_tree(order):
    rows = [PADDED[i] for i in order]
    assert {(r.code, r.parent, r.level) for r in _resolve(rows)} == {(r.code, r.parent, r.level) for r in _resolve(PADDED)}


def test_one_run_imports_them_all_and_a_second_changes_nothing(db, tmp_path):
    path = tmp_path / "d.csv"
    rows = list(reversed(PADDED))
    path.write_text("code,name,parent_code\n" + "\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    from fangkong.areas.services import read_division_csv

    first = divisions_import(by=CLI, records=read_division_csv(path), errors_path=tmp_path / "e.csv")
    assert (first.created, first.rejected) == (len(PADDED), 0)
    assert Area.objects.get(code="350527000000").parent.code == "350527000"
    second = divisions_import(by=CLI, records=read_division_csv(path), errors_path=tmp_path / "e.csv")
    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, len(PADDED), 0)
