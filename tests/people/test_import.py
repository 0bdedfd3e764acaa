"""Import of households and persons (台账): counts, idempotence, bad rows, scoping, crashes, re-submission."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from fangkong.core.crypto import unseal
from fangkong.core.permissions import NotPermitted
from fangkong.imports import pipeline
from fangkong.imports.models import ImportBatch, ImportReject
from fangkong.people import importing
from fangkong.people.models import Household, Person
from tests.conftest import make_id_number, make_user

from .conftest import HEADERS, person_row, write_csv, write_xlsx


def run(user, path, **kwargs) -> ImportBatch:
    return pipeline.import_file(user=user, path=path, language="en", **{"kind": "people", **kwargs})


def counts(batch: ImportBatch) -> tuple:
    return batch.created, batch.updated, batch.unchanged, batch.rejected


@pytest.fixture
def family(tree):
    grid = tree["grid_a"].code
    return [
        person_row(grid, "张三", "123"),
        person_row(grid, "李四", "124", 与户主关系="配偶"),
        person_row(grid, "王五", "125", 地址="幸福路2号", 手机号码=""),
    ]


def test_it_imports_persons_and_groups_them_into_households_by_address(media, tmp_path, user_a, family):
    batch = run(user_a, write_csv(tmp_path / "a.csv", family))
    assert batch.status == ImportBatch.Status.DONE
    assert counts(batch) == (3, 0, 0, 0)
    assert Household.objects.count() == 2
    zhang = Person.objects.get(name="张三")
    assert zhang.household == Person.objects.get(name="李四").household
    assert zhang.id_number_masked == "411402" + "*" * 11 + make_id_number(seq="123")[-1:]
    assert unseal(zhang.id_number_sealed) == make_id_number(seq="123")
    assert zhang.history.count() == 1


def test_reimporting_the_same_file_changes_nothing(media, tmp_path, user_a, family):
    path = write_csv(tmp_path / "a.csv", family)
    run(user_a, path)
    history = Person.history.count()
    again = run(user_a, path)
    assert counts(again) == (0, 0, 3, 0)
    assert Person.objects.count() == 3
    assert Household.objects.count() == 2
    assert Person.history.count() == history


def test_a_changed_row_counts_as_updated_and_is_recorded_in_history(media, tmp_path, user_a, family):
    run(user_a, write_csv(tmp_path / "a.csv", family))
    family[0]["职业"] = "教师"
    family[0]["手机号码"] = "13900139000"
    batch = run(user_a, write_csv(tmp_path / "b.csv", family))
    assert counts(batch) == (0, 1, 2, 0)
    zhang = Person.objects.get(name="张三")
    assert zhang.occupation == "教师"
    assert zhang.phone_masked == "139****9000"
    latest = zhang.history.first()
    assert latest.history_type == "~"
    assert latest.history_change_reason == f"import batch {batch.pk}"


def test_it_reads_an_xlsx_with_numbers_dates_and_full_width_text(media, tmp_path, user_a, tree):
    number = make_id_number(seq="321", born="19850612")
    rows = [
        person_row(tree["grid_a"].code, " 赵　六 ", 证件号码=number.translate(
            str.maketrans("0123456789", "０１２３４５６７８９")), 手机号码=13800138000.0,
            出生日期=dt.datetime(1985, 6, 12)),
        person_row(tree["grid_a"].code, "钱七", "322", 出生日期=(dt.date(1990, 3, 7) - dt.date(1899, 12, 30)).days,
                   区域编码=int(tree["grid_a"].code)),
    ]
    batch = run(user_a, write_xlsx(tmp_path / "a.xlsx", rows))
    assert counts(batch) == (2, 0, 0, 0), list(ImportReject.objects.values_list("reason", flat=True))
    zhao = Person.objects.get(name="赵六")
    assert zhao.birth_date == dt.date(1985, 6, 12)
    assert zhao.phone_masked == "138****8000"
    assert Person.objects.get(name="钱七").birth_date == dt.date(1990, 3, 7)


def test_it_reads_a_legacy_15_digit_id_number_stored_as_a_number(media, tmp_path, user_a, tree):
    legacy = 411402900307451  # 15 digits: exact in a float, so nothing was lost
    batch = run(user_a, write_xlsx(tmp_path / "a.xlsx", [person_row(tree["grid_a"].code, 证件号码=legacy)]))
    assert counts(batch) == (1, 0, 0, 0)
    person = Person.objects.get()
    assert unseal(person.id_number_sealed) == make_id_number(born="19900307", seq="451")
    assert person.birth_date == dt.date(1990, 3, 7)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_it_reads_csv_in_utf8_with_or_without_bom_and_gb18030(media, tmp_path, user_a, family, encoding):
    batch = run(user_a, write_csv(tmp_path / "a.csv", family, encoding=encoding))
    assert counts(batch) == (3, 0, 0, 0)
    assert set(Person.objects.values_list("name", flat=True)) == {"张三", "李四", "王五"}


def test_it_accepts_english_headers(media, tmp_path, user_a, tree):
    headers = ["Area code", "Name", "Document type", "Document number", "Mobile", "Birth date"]
    row = {"Area code": tree["grid_a"].code, "Name": "Li Lei", "Document type": "passport",
           "Document number": "E12345678", "Mobile": "13800138000", "Birth date": "2001-02-03"}
    batch = run(user_a, write_csv(tmp_path / "a.csv", [row], headers=headers))
    assert counts(batch) == (1, 0, 0, 0)
    assert Person.objects.get().id_type == "passport"


BAD_ROWS = [
    ("证件号码", 1.10101199003071e17, "lost its last digits"),
    ("证件号码", "1.10101E+17", "scientific notation"),
    ("证件号码", make_id_number(seq="123")[:17] + ("1" if make_id_number(seq="123").endswith("0") else "0"),
     "check character should be"),
    ("证件号码", "", "an ID number is required"),
    ("姓名", "  ", "name is required"),
    ("手机号码", "1380013800", "not a mainland mobile number"),
    ("出生日期", "1991-01-01", "does not match the ID number"),
    ("出生日期", "2021-02-30", "is not a real date"),
    ("性别", "X", "sex must be"),
    ("证件类型", "驾照", "unknown document type"),
    ("区域编码", "411402001001999", "does not exist in your area"),
    ("区域编码", "4114030010010010", "does not exist in your area"),
    ("区域编码", "411402", "above a village"),
    ("区域编码", "", "an area code is required"),
    ("户编码", "999", "does not begin with its area code"),
    ("居住状态", "在月球", "residence status must be"),
]


@pytest.mark.parametrize(("column", "value", "reason"), BAD_ROWS, ids=[r[2] for r in BAD_ROWS])
def test_it_rejects_a_bad_row_naming_the_column_and_the_reason(media, tmp_path, user_a, tree, column, value, reason):
    good = person_row(tree["grid_a"].code, "好人", "200")
    bad = person_row(tree["grid_a"].code, "张三", "123", **{column: value})
    batch = run(user_a, write_xlsx(tmp_path / "a.xlsx", [good, bad]))
    assert counts(batch) == (1, 0, 0, 1)
    reject = ImportReject.objects.get(batch=batch)
    assert reject.row_number == 3
    assert reject.column == column
    assert reason in reject.reason
    assert Person.objects.filter(name="好人").exists()


def test_an_area_outside_the_uploaders_subtree_is_rejected(media, tmp_path, user_a, tree):
    batch = run(user_a, write_csv(tmp_path / "a.csv", [person_row(tree["grid_b"].code)]))
    assert counts(batch) == (0, 0, 0, 1)
    assert ImportReject.objects.get(batch=batch).column == "区域编码"
    assert not Person.objects.exists()


def test_the_same_document_twice_in_a_file_rejects_the_second(media, tmp_path, user_a, tree):
    rows = [person_row(tree["grid_a"].code, "张三"), person_row(tree["grid_a"].code, "张三丰")]
    batch = run(user_a, write_csv(tmp_path / "a.csv", rows), chunk_size=1)
    assert counts(batch) == (1, 0, 0, 1)
    assert "row 2" in ImportReject.objects.get(batch=batch).reason


def test_a_person_registered_in_another_area_is_not_taken_over_but_a_transfer_is_requested(
        media, tmp_path, user_a, user_b, tree):
    """Issue 11 §3: imports put such rows into the transfer flow (迁入申请) that one person at a time uses."""
    from fangkong.core.models import AccessLog
    from fangkong.people.models import TransferRequest

    run(user_b, write_csv(tmp_path / "b.csv", [person_row(tree["grid_b"].code)]))
    batch = run(user_a, write_csv(tmp_path / "a.csv", [person_row(tree["grid_a"].code)]))
    assert counts(batch) == (0, 0, 0, 1)
    assert "transfer request" in ImportReject.objects.get(batch=batch).reason
    person = Person.objects.get()
    assert person.area_code == tree["grid_b"].code
    request = TransferRequest.objects.get()
    assert (request.person, request.area_code, request.to_area_code, request.requested_by, request.status) == (
        person, tree["grid_b"].code, tree["grid_a"].code, user_a, "pending")
    assert AccessLog.objects.filter(user=user_a, action="registered_elsewhere", object_id=str(batch.pk)).exists()
    run(user_a, write_csv(tmp_path / "a2.csv", [person_row(tree["grid_a"].code)]))
    assert TransferRequest.objects.count() == 1  # one pending request, however often the file is imported


def test_an_import_by_a_role_that_may_not_request_transfers_only_rejects(media, tmp_path, user_b, tree):
    from fangkong.imports.pipeline import command_line_actor
    from fangkong.people.models import TransferRequest

    run(user_b, write_csv(tmp_path / "b.csv", [person_row(tree["grid_b"].code)]))
    batch = run(command_line_actor(tree["county_a"].code), write_csv(tmp_path / "a.csv", [person_row(tree["grid_a"].code)]))
    assert "outside yours" in ImportReject.objects.get(batch=batch).reason and not TransferRequest.objects.exists()


def test_a_row_with_several_errors_names_each_column(media, tmp_path, user_a, tree):
    bad = person_row(tree["grid_a"].code, "", 手机号码="12", 性别="?")
    batch = run(user_a, write_csv(tmp_path / "a.csv", [bad]))
    reject = ImportReject.objects.get(batch=batch)
    assert set(reject.column.split("、")) == {"姓名", "手机号码", "性别"}
    assert "手机号码: " in reject.reason and "姓名: " in reject.reason


def test_persons_without_a_document_are_matched_again_on_reimport(media, tmp_path, user_a, tree):
    child = person_row(tree["grid_a"].code, "小明", 证件类型="无", 证件号码="", 出生日期="2020-05-01", 手机号码="")
    path = write_csv(tmp_path / "a.csv", [child])
    assert counts(run(user_a, path)) == (1, 0, 0, 0)
    assert counts(run(user_a, path)) == (0, 0, 1, 0)
    assert Person.objects.count() == 1


def test_a_file_without_the_required_columns_fails_with_a_reason(media, tmp_path, user_a):
    path = write_csv(tmp_path / "a.csv", [{"x": "1"}], headers=["x", "y"])
    batch = run(user_a, path)
    assert batch.status == ImportBatch.Status.FAILED
    assert "区域编码" in batch.error and "姓名" in batch.error


def test_a_crash_mid_import_keeps_completed_chunks_and_a_rerun_completes(media, tmp_path, user_a, tree, monkeypatch):
    rows = [person_row(tree["grid_a"].code, f"人{i}", f"{300 + i}") for i in range(7)]
    path = write_csv(tmp_path / "a.csv", rows)
    real = importing.parse_row

    def explode_on_row_6(number, *args, **kwargs):
        if number == 6:
            raise RuntimeError("disk on fire")
        return real(number, *args, **kwargs)

    monkeypatch.setattr(importing, "parse_row", explode_on_row_6)
    batch = pipeline.batch_create(user=user_a, source=path, filename="a.csv", kind="people")
    with pytest.raises(RuntimeError):
        pipeline.run_batch(batch, language="en", chunk_size=2)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.processed_rows == 4  # two chunks of two committed; the third rolled back
    assert Person.objects.count() == 4
    assert batch.created == 4
    assert "RuntimeError" in batch.error and "disk" not in batch.error

    monkeypatch.setattr(importing, "parse_row", real)
    batch = pipeline.run_batch(batch, language="en", chunk_size=2)
    assert batch.status == ImportBatch.Status.DONE
    assert counts(batch) == (7, 0, 0, 0)
    assert Person.objects.count() == 7
    assert counts(run(user_a, path)) == (0, 0, 7, 0)


def test_rerunning_a_crashed_file_as_a_new_batch_completes_it(media, tmp_path, user_a, tree, monkeypatch):
    rows = [person_row(tree["grid_a"].code, f"人{i}", f"{300 + i}") for i in range(5)]
    path = write_csv(tmp_path / "a.csv", rows)
    real = importing.parse_row
    monkeypatch.setattr(importing, "parse_row", lambda n, *a, **k: (_ for _ in ()).throw(ValueError()) if n == 5 else real(n, *a, **k))
    with pytest.raises(ValueError):
        run(user_a, path, chunk_size=2)
    monkeypatch.setattr(importing, "parse_row", real)
    assert counts(run(user_a, path)) == (3, 0, 2, 0)
    assert Person.objects.count() == 5


def test_rejected_rows_can_be_downloaded_fixed_and_resubmitted(media, tmp_path, user_a, tree):
    bad = person_row(tree["grid_a"].code, "张三", 手机号码="1380013800")
    batch = run(user_a, write_csv(tmp_path / "a.csv", [bad, person_row(tree["grid_a"].code, "李四", "124")]))
    assert batch.rejected == 1
    from fangkong.core.exports import write_xlsx as export_xlsx

    path = tmp_path / "rejects.xlsx"
    export_xlsx(path, pipeline.reject_headers("people"), pipeline.reject_rows(batch))
    book = load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[: len(HEADERS)] == HEADERS
    assert header[-1] == "原因"
    values = [c.value for c in sheet[2]]
    assert "not a mainland mobile number" in values[-1]
    values[header.index("手机号码")] = "13800138001"
    sheet.delete_rows(2)
    sheet.append(values)
    book.save(path)

    again = run(user_a, path)
    assert counts(again) == (1, 0, 0, 0)
    assert Person.objects.get(name="张三").phone_masked == "138****8001"
    assert ImportReject.objects.get(batch=batch).resolved


def test_a_read_only_role_may_not_import(media, tmp_path, tree, family):
    reader = make_user("reader", tree["county_a"].code, "read_only")
    with pytest.raises(NotPermitted):
        run(reader, write_csv(tmp_path / "a.csv", family))


def test_the_uploaded_file_is_removed_once_imported(media, tmp_path, user_a, family):
    batch = run(user_a, write_csv(tmp_path / "a.csv", family))
    assert not (media / "imports").joinpath(batch.stored_path.rsplit("/", 1)[-1]).exists()


# ---------------------------------------------------------------------------- the pages, the API and the CLI


def test_the_upload_page_imports_in_the_background_and_shows_the_result(media, tmp_path, client, user_a, tree, family):
    client.force_login(user_a)
    family.append(person_row(tree["grid_a"].code, "坏行", 手机号码="12345"))
    path = write_csv(tmp_path / "a.csv", family)
    with open(path, "rb") as fh:
        response = client.post("/people/import/", {"file": fh})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/people/import/{batch.pk}/"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    body = page.content.decode()
    assert batch.status == ImportBatch.Status.DONE and batch.created == 3 and batch.rejected == 1
    assert "坏行" not in body  # the page lists row, column and reason, not the row's personal data
    assert "手机号码" in body and ">5<" in body
    assert f"/people/import/{batch.pk}/rejects.xlsx" in body
    assert page["Cache-Control"] == "no-store"


def test_a_running_import_page_refreshes_itself(media, client, user_a):
    batch = ImportBatch.objects.create(filename="x.csv", sha256="0", uploaded_by=user_a, area_code=user_a.area_code,
                                       status=ImportBatch.Status.RUNNING, total_rows=10, processed_rows=4)
    client.force_login(user_a)
    body = client.get(f"/people/import/{batch.pk}/").content.decode()
    assert 'http-equiv="refresh"' in body and "<progress" in body


def test_the_rejects_download_is_logged_and_another_areas_batch_is_404(media, tmp_path, client, user_a, user_b, tree):
    from fangkong.core.models import AccessLog

    batch = run(user_a, write_csv(tmp_path / "a.csv", [person_row(tree["grid_a"].code, 手机号码="1")]))
    client.force_login(user_a)
    response = client.get(f"/people/import/{batch.pk}/rejects.xlsx")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content[:2] == b"PK"
    assert AccessLog.objects.filter(action="export", object_type="import_batch", object_id=str(batch.pk)).exists()
    client.force_login(user_b)
    assert client.get(f"/people/import/{batch.pk}/").status_code == 404
    assert client.get(f"/people/import/{batch.pk}/rejects.xlsx").status_code == 404


def test_the_template_download_has_the_chinese_headers_and_a_note_sheet(media, tmp_path, client, user_a):
    client.force_login(user_a)
    response = client.get("/people/import/template.xlsx")
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    book = load_workbook(path)
    assert [c.value for c in book.worksheets[0][1]] == HEADERS
    assert book.worksheets[1].title == "说明"


def test_the_template_examples_import_cleanly(media, tmp_path, tree):
    from fangkong.core.exports import write_xlsx as export_xlsx

    user = make_user("worker", tree["village_a"].code, "grid_worker")
    path = tmp_path / "t.xlsx"
    export_xlsx(path, HEADERS, importing.template_example_rows())
    assert counts(run(user, path)) == (2, 0, 0, 0)


def test_the_api_accepts_an_upload_and_reports_the_batch(media, tmp_path, client, user_a, user_b, token_for, family):
    path = write_csv(tmp_path / "a.csv", family)
    with open(path, "rb") as fh:
        response = client.post("/api/v1/imports", {"file": fh}, **token_for(user_a))
    assert response.status_code == 202, response.content
    batch_id = response.json()["id"]
    status = client.get(f"/api/v1/imports/{batch_id}", **token_for(user_a)).json()
    assert status["status"] == "done" and status["created"] == 3
    assert client.get(f"/api/v1/imports/{batch_id}", **token_for(user_b)).status_code == 404


def test_the_api_refuses_a_file_of_another_type(media, tmp_path, client, user_a, token_for):
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF")
    with open(path, "rb") as fh:
        response = client.post("/api/v1/imports", {"file": fh}, **token_for(user_a))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"
    assert ".pdf" in response.json()["errors"][0]["reason"]


def test_the_cli_imports_and_prints_counts_as_json(media, tmp_path, user_a, family, capsys):
    import json

    from django.core.management import call_command

    path = write_csv(tmp_path / "a.csv", family)
    call_command("import", str(path), "--user", "alice", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["created"] == 3 and out["rejected"] == 0 and out["status"] == "done"
    call_command("import", str(path), "--json")
    assert json.loads(capsys.readouterr().out)["unchanged"] == 3


def test_new_keys_never_reuse_those_of_deleted_persons(media, tmp_path, user_a, tree, family):
    run(user_a, write_csv(tmp_path / "a.csv", family))
    highest = max(Person.objects.values_list("pk", flat=True))
    Person.objects.all().delete()
    run(user_a, write_csv(tmp_path / "b.csv", family))
    assert min(Person.objects.values_list("pk", flat=True)) > highest
    person = Person.objects.get(name="张三")
    assert person.history.filter(history_type="+").count() == 1
    assert person.household.history.exists()


def test_an_imported_person_can_be_found_by_exact_document_number(media, tmp_path, user_a, tree, family):
    from fangkong.people import selectors

    run(user_a, write_csv(tmp_path / "a.csv", family))
    found = selectors.person_by_document(user=user_a, number=make_id_number(seq="124"))
    assert found is not None and found.name == "李四"
