"""Streaming exports: formula escaping, no row cap, the access log."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from fangkong.core import exports
from fangkong.core.models import AccessLog
from fangkong.people import views_import
from fangkong.people.models import Person
from tests.conftest import make_user


@given(st.sampled_from(exports.FORMULA_STARTS), st.text(max_size=20))
def test_every_formula_like_text_is_escaped(first, rest):
    escaped = exports.escape_cell(first + rest)
    assert escaped == "'" + first + rest
    assert not escaped.startswith(exports.FORMULA_STARTS)


@given(st.text(max_size=20).filter(lambda t: not t.startswith(exports.FORMULA_STARTS)))
def test_other_text_is_left_alone(text):
    assert exports.escape_cell(text) == text


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=12),
                min_size=1, max_size=5))
def test_no_csv_cell_starts_a_formula_and_the_text_survives(cells):
    text = "".join(exports.csv_lines(["h"] * len(cells), [cells]))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:], newline="")))
    for original, written in zip(cells, rows[1], strict=True):
        assert not written.startswith(exports.FORMULA_STARTS)
        assert written == exports.escape_cell(original)


def test_no_xlsx_cell_is_a_formula(tmp_path):
    values = ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "plain", 5, -5]
    path = tmp_path / "a.xlsx"
    exports.write_xlsx(path, ["a"] * len(values), [values])
    sheet = load_workbook(path).active
    cells = list(sheet[2])
    assert all(c.data_type != "f" for c in cells)
    assert [c.value for c in cells][:4] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)"]
    assert cells[-1].value == -5  # numbers stay numbers


def test_the_person_list_streams_more_rows_than_one_chunk_as_csv(client, user_a, tree):
    grid = tree["grid_a"]
    Person.objects.bulk_create(
        [Person(area=grid, area_code=grid.code, name=f"=人{i}", id_type="none") for i in range(2500)])
    Person.objects.create(area=tree["grid_b"], area_code=tree["grid_b"].code, name="别区的人", id_type="none")
    client.force_login(user_a)
    response = client.get("/people/export.csv")
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == views_import.EXPORT_HEADER
    assert len(rows) == 2501
    assert rows[1][0].startswith("'=")
    assert "别区的人" not in text


def test_the_person_list_exports_as_xlsx_with_masked_numbers(client, user_a, tree, tmp_path):
    from fangkong.people import services
    from tests.conftest import make_id_number

    services.person_create(user=user_a, area=tree["grid_a"], name="张三", id_number=make_id_number(),
                           phone="13800138000")
    client.force_login(user_a)
    response = client.get("/people/export.xlsx")
    path = tmp_path / "p.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    row = [c.value for c in load_workbook(path).active[2]]
    assert row[0] == "张三"
    assert row[2] == "411402" + "*" * 11 + make_id_number()[-1:]
    assert row[5] == "138****8000"
    assert make_id_number() not in path.read_bytes().decode("latin-1")


def test_an_export_is_written_to_the_access_log(client, user_a):
    client.force_login(user_a)
    b"".join(client.get("/people/export.csv").streaming_content)
    entry = AccessLog.objects.get(action="export")
    assert entry.username == "alice" and entry.object_type == "person"


def test_an_unknown_export_format_is_404(client, user_a):
    client.force_login(user_a)
    assert client.get("/people/export.pdf").status_code == 404


def test_the_import_templates_format_id_numbers_and_phones_as_text(client, tree, user_a):
    """Issue 12 §6: the help sheet asked for text while the columns were General, so Excel kept an 18-digit
    number typed there as a number (and its last 3 digits as zeros)."""
    import io

    from openpyxl import load_workbook

    client.force_login(make_user("importer", tree["county_a"].code, "city_command"))
    for url, columns in (("/people/import/template.xlsx", ("证件号码", "手机号码", "户编码", "区域编码")),
                         ("/control/arrivals/import/template.xlsx", ("证件号码", "手机号码", "来源地编码"))):
        book = load_workbook(io.BytesIO(b"".join(client.get(url).streaming_content)))
        sheet = book.worksheets[0]
        header = [c.value for c in sheet[1]]
        for name in columns:
            letter = sheet.cell(row=1, column=header.index(name) + 1).column_letter
            assert sheet.column_dimensions[letter].number_format == "@", (url, name)
        assert sheet.column_dimensions[sheet.cell(row=1, column=header.index("姓名") + 1).column_letter].number_format != "@"
