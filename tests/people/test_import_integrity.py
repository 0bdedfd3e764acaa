"""Imports: nothing mixed up (household codes never collide), nothing forgotten (a resumed run answers as an
uninterrupted one), numbers in .xlsx cells refused as the docs say."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.imports import pipeline
from fangkong.imports.models import ImportBatch, ImportReject
from fangkong.people import importing
from fangkong.people.models import Household, Person

from .conftest import person_row, write_csv, write_xlsx


def _run(user, path, **kwargs) -> ImportBatch:
    return pipeline.import_file(user=user, path=path, language="en", **{"kind": "people", **kwargs})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(st.tuples(st.booleans(), st.integers(1, 4)), min_size=2, max_size=9), chunk=st.integers(1, 4))
def test_given_and_empty_household_codes_never_collide(media, tmp_path, user_a, tree, plan, chunk):
    """Each row either names household code NNNN (given) or gives only an address (a free code is assigned).
    Whatever the order and the chunk size, rows naming a code share that household and nobody else's."""
    Person.objects.all().delete()
    Household.objects.all().delete()
    grid = tree["grid_a"].code
    rows, expected = [], []
    for i, (given_code, n) in enumerate(plan):
        code = f"{grid}{n:04d}" if given_code else ""
        address = f"编号户{n}" if given_code else f"无码户{i}"
        rows.append(person_row(grid, f"人{i}", f"{400 + i}", 户编码=code, 地址=address))
        expected.append((code, address))
    batch = _run(user_a, write_csv(tmp_path / f"h{len(plan)}-{chunk}.csv", rows), chunk_size=chunk)
    assert batch.rejected == 0, list(ImportReject.objects.values_list("reason", flat=True))
    named = {code for code, _a in expected if code}
    for i, (code, address) in enumerate(expected):
        person = Person.objects.select_related("household").get(name=f"人{i}")
        if code:
            assert person.household.code == code
        else:
            assert person.household.code not in named, "an address-only household took a code the file names"
            assert person.household.address == address
    ImportBatch.objects.all().delete()


def test_a_resumed_import_still_refuses_a_number_repeated_after_the_crash(media, tmp_path, user_a, tree, monkeypatch):
    grid = tree["grid_a"].code
    rows = [person_row(grid, "甲", "501"), person_row(grid, "乙", "502"),
            person_row(grid, "丙", "503"), person_row(grid, "甲二", "501")]  # row 5 repeats row 2's number
    path = write_csv(tmp_path / "r.csv", rows)
    real = importing.parse_row
    state = {"boom": True}

    def crash_once(number, *args, **kwargs):
        if number == 4 and state["boom"]:
            raise RuntimeError("power cut")
        return real(number, *args, **kwargs)

    monkeypatch.setattr(importing, "parse_row", crash_once)
    batch = pipeline.batch_create(user=user_a, source=path, filename="r.csv", kind="people")
    with pytest.raises(RuntimeError):
        pipeline.run_batch(batch, language="en", chunk_size=2, workers=0)
    state["boom"] = False
    batch = pipeline.run_batch(batch, language="en", chunk_size=2, workers=0)
    uninterrupted = _run(user_a, write_csv(tmp_path / "r2.csv", rows), workers=0)
    assert (batch.created, batch.rejected) == (3, 1)
    reject = ImportReject.objects.get(batch=batch)
    assert reject.row_number == 5 and "row 2" in reject.reason
    # The same file straight through (its persons exist now) answers the same about row 5.
    assert ImportReject.objects.get(batch=uninterrupted).reason == reject.reason


def test_an_id_number_stored_as_a_number_in_an_xlsx_cell_is_refused(media, tmp_path, user_a, tree):
    grid = tree["grid_a"].code
    # Excel keeps 15 digits and writes the rest back as zeros; this one passes its check digit by chance.
    from fangkong.core.ids import check_digit

    dates = (f"199003{day:02d}" for day in range(1, 29))
    head = next(h for date in dates for d in range(10) if check_digit(h := f"411402{date}{d}00") == "0")
    row = person_row(grid, "赵六", "601")
    row["证件号码"] = int(head + "0")
    batch = _run(user_a, write_xlsx(tmp_path / "n.xlsx", [row]))
    assert batch.created == 0 and batch.rejected == 1
    assert "text" in ImportReject.objects.get(batch=batch).reason
