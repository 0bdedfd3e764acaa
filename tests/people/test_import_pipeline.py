"""The import's fast paths: parser processes, set-based lookups, session settings. They must change nothing
a user can see: the same persons, households, history and rejected rows as the plain single-process path."""

from __future__ import annotations

import datetime as dt
import gc
import pickle

import pytest
from django.db import connection

from fangkong.core.crypto import unseal
from fangkong.imports import pipeline
from fangkong.imports.models import ImportBatch, ImportReject
from fangkong.people import importing
from fangkong.people.models import DuplicateCandidate, Household, Person
from tests.conftest import make_id_number

from .conftest import person_row, write_csv


def run(user, path, **kwargs) -> ImportBatch:
    return pipeline.import_file(user=user, path=path, language="en", **{"kind": "people", **kwargs})


def mixed_rows(tree) -> list[dict]:
    """Good and bad rows of every kind, spread over several chunks of four."""
    a, b = tree["grid_a"].code, tree["grid_b"].code
    rows = []
    for i in range(12):
        rows.append(person_row(a, f"居民{i}", f"{400 + i}", 地址=f"幸福路{i // 3}号", 户编码="", 标签="学生" if i % 4 else ""))
    rows[2]["手机号码"] = "1380013800"  # not a mobile number
    rows[5]["证件号码"] = make_id_number(seq="405")[:17] + ("1" if make_id_number(seq="405").endswith("0") else "0")
    rows.append(person_row(a, "重复", "401", 地址="幸福路9号"))  # the document of row 3, in a later chunk
    rows.append(person_row(b, "外区", "500"))  # an area outside the uploader's
    rows.append(person_row(a, "小明", 证件类型="无", 证件号码="", 出生日期="2020-05-01", 手机号码="", 地址="幸福路1号"))
    rows.append(person_row(a, "有户", "600", 户编码=a + "0077", 地址="和平路1号"))
    rows.append(person_row(a, "同户", "601", 户编码=a + "0077", 地址="和平路1号"))
    rows.append(person_row(a, "居民0", "400", 地址="幸福路0号"))  # the same document as the first row
    return rows


def snapshot(batch: ImportBatch) -> dict:
    persons = sorted(
        (p.name, unseal(p.id_number_sealed) if p.id_number_sealed else "", p.id_number_masked, p.id_number_hash,
         unseal(p.phone_sealed) if p.phone_sealed else "", p.phone_masked, p.phone_hash, p.birth_date, p.sex,
         p.household.code if p.household else None, p.area_code, p.relation, p.residence, tuple(p.tags),
         p.history.count())
        for p in Person.objects.select_related("household")
    )
    households = sorted((h.code, h.address, h.area_code, h.history.count()) for h in Household.objects.all())
    rejects = [(r.row_number, r.column, r.reason, unseal(r.raw_sealed)) for r in batch.rejects.order_by("row_number")]
    counts = (batch.status, batch.processed_rows, batch.created, batch.updated, batch.unchanged, batch.rejected,
              batch.duplicates)
    return {"counts": counts, "persons": persons, "households": households, "rejects": rejects,
            "duplicates": DuplicateCandidate.objects.count()}


def wipe() -> None:
    DuplicateCandidate.objects.all().delete()
    ImportReject.objects.all().delete()
    ImportBatch.objects.all().delete()
    Person.objects.all().delete()
    Person.history.model.objects.all().delete()
    Household.objects.all().delete()
    Household.history.model.objects.all().delete()


@pytest.mark.parametrize("workers", [1, 2])
def test_parser_processes_give_the_same_persons_households_and_rejects_as_one_process(
        media, tmp_path, user_a, tree, workers):
    path = write_csv(tmp_path / "a.csv", mixed_rows(tree))
    alone = snapshot(run(user_a, path, chunk_size=4, workers=0))
    assert alone["counts"][2] > 10 and alone["counts"][5] == 5  # the file does exercise both outcomes
    wipe()
    assert snapshot(run(user_a, path, chunk_size=4, workers=workers)) == alone


def test_a_reimport_through_a_parser_process_changes_nothing(media, tmp_path, user_a, tree):
    path = write_csv(tmp_path / "a.csv", mixed_rows(tree))
    first = run(user_a, path, chunk_size=4, workers=1)
    history = Person.history.count()
    again = run(user_a, path, chunk_size=4, workers=1)
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created)
    assert Person.history.count() == history


def test_a_parser_process_that_fails_mid_file_leaves_the_completed_chunks(media, tmp_path, user_a, tree, monkeypatch):
    rows = [person_row(tree["grid_a"].code, f"人{i}", f"{300 + i}") for i in range(7)]
    path = write_csv(tmp_path / "a.csv", rows)
    real = importing.parse_row

    def explode_on_row_6(number, *args, **kwargs):
        if number == 6:
            raise RuntimeError("disk on fire")
        return real(number, *args, **kwargs)

    monkeypatch.setattr(importing, "parse_row", explode_on_row_6)  # the forked parser inherits it
    batch = pipeline.batch_create(user=user_a, source=path, filename="a.csv", kind="people")
    with pytest.raises(RuntimeError):
        pipeline.run_batch(batch, language="en", chunk_size=2, workers=1)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.processed_rows == 4 and Person.objects.count() == 4
    assert "RuntimeError" in batch.error and "disk" not in batch.error

    monkeypatch.setattr(importing, "parse_row", real)
    batch = pipeline.run_batch(batch, language="en", chunk_size=2, workers=1)
    assert (batch.status, batch.created) == (ImportBatch.Status.DONE, 7)


def test_a_file_that_turns_unreadable_in_a_parser_process_fails_with_its_reason(media, tmp_path, user_a, tree):
    good = write_csv(tmp_path / "a.csv", [person_row(tree["grid_a"].code, f"人{i}", f"{300 + i}") for i in range(6)])
    path = tmp_path / "b.csv"
    path.write_bytes(good.read_bytes() + "第七行,\n".encode("utf-16"))  # neither UTF-8 nor GB18030 at the end
    outcomes = []
    for workers in (0, 1):
        batch = run(user_a, path, chunk_size=2, workers=workers)
        outcomes.append((batch.status, batch.error, batch.processed_rows))
    assert outcomes[0] == outcomes[1]
    assert outcomes[1][0] == ImportBatch.Status.FAILED and "neither UTF-8 nor GB18030" in outcomes[1][1]


def test_a_parsed_row_crosses_to_the_writer_intact_and_never_prints_its_values(tree):
    from fangkong.core.crypto import Sealer

    columns = {i: key for i, key in enumerate(importing.nz.TEMPLATE_COLUMNS)}
    cells = [person_row(tree["grid_a"].code, "张三").get(h, "") for h in importing.nz.TEMPLATE_COLUMNS.values()]
    (row,) = importing.parse_chunk([(2, cells)], columns, today=dt.date.today(), sealer=Sealer())
    assert row.doc_hash and row.phone_sealed and not row.errors
    back = pickle.loads(pickle.dumps(row))
    assert back == row and back.raw(columns) == row.raw(columns)
    assert "张三" not in repr(row) and make_id_number() not in repr(row)


def test_small_files_are_parsed_in_the_importing_process():
    assert pipeline.default_workers(500) == 0
    assert pipeline.default_workers(1_000_000) in {0, 1}


@pytest.mark.django_db(transaction=True)  # each chunk commits, as in production
def test_an_import_leaves_the_collector_and_the_session_settings_as_they_were(media, tmp_path, user_a, tree):
    def settings_now():
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cur:
            cur.execute("SELECT current_setting('jit'), current_setting('synchronous_commit')")
            return cur.fetchone()

    threshold, session = gc.get_threshold(), settings_now()
    run(user_a, write_csv(tmp_path / "a.csv", mixed_rows(tree)), chunk_size=4, workers=1)
    assert gc.get_threshold() == threshold and gc.get_freeze_count() == 0
    assert settings_now() == session


def test_a_household_without_a_code_is_found_by_address_from_a_later_chunk(media, tmp_path, user_a, tree):
    grid = tree["grid_a"].code
    rows = [person_row(grid, "甲", "701", 地址="团结路3号"), person_row(grid, "乙", "702", 地址="团结路3号")]
    batch = run(user_a, write_csv(tmp_path / "a.csv", rows), chunk_size=1)
    assert batch.created == 2
    assert Household.objects.count() == 1


def test_of_two_households_at_one_address_the_lowest_code_is_taken(media, tmp_path, user_a, tree):
    grid = tree["grid_a"]
    for code in (grid.code + "0009", grid.code + "0003"):
        Household.objects.create(code=code, area=grid, area_code=grid.code, address="团结路5号")
    run(user_a, write_csv(tmp_path / "a.csv", [person_row(grid.code, "丙", "703", 地址="团结路5号")]))
    assert Person.objects.get().household.code == grid.code + "0003"
