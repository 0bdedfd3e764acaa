import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import given
from hypothesis import strategies as st

from fangkong.risk.models import RiskArea
from fangkong.risk.rows import RowError, covering_codes, parse_date, parse_row
from fangkong.risk.selectors import risk_level_on
from fangkong.risk.services import risk_areas_import
from tests.conftest import make_user

D = dt.date.fromisoformat
PUSHED = """code,name,level,zone,start_date,lift_date,source
110105,北京市朝阳区,中,,2022-04-25,2022-05-20,国家卫健委通报
110105001,朝阳区建外街道,high,封控区,2022-04-28,2022-05-12,北京市通报
,上海市浦东新区某小区,高风险,sealed,2022-03-28,,上海市通报
411402001,梁园区一街道,low,防范区,2022/5/1,,本市指挥部
"""


@pytest.fixture
def editor(tree):
    return make_user("cdc", tree["city"].code, "cdc")


def test_it_imports_the_pushed_list_and_is_idempotent(editor):
    first = risk_areas_import(user=editor, text=PUSHED)
    assert (first.created, first.updated, first.unchanged, first.rejected) == (4, 0, 0, [])
    again = risk_areas_import(user=editor, text=PUSHED)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_a_new_lift_date_counts_as_an_update_and_keeps_history(editor):
    risk_areas_import(user=editor, text=PUSHED)
    changed = PUSHED.replace("2022-04-28,2022-05-12", "2022-04-28,2022-05-15")
    result = risk_areas_import(user=editor, text=changed)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    record = RiskArea.objects.get(division_code="110105001")
    assert [h.lifted_on for h in record.history.order_by("history_date")] == [D("2022-05-12"), D("2022-05-15")]


def test_it_answers_the_level_of_an_area_on_a_date(editor):
    risk_areas_import(user=editor, text=PUSHED)
    # A village inside the sealed street is high while the street is; the district's medium applies after.
    village = "110105001002"
    assert risk_level_on(code=village, on=D("2022-05-01")).level == "high"
    assert risk_level_on(code=village, on=D("2022-05-01")).zone == "sealed"
    assert risk_level_on(code=village, on=D("2022-05-12")).level == "medium"  # the lift day no longer counts
    assert risk_level_on(code=village, on=D("2022-05-20")).level is None
    assert risk_level_on(code="110105001002", on=D("2022-04-01")).level is None
    assert risk_level_on(code="110105000000", on=D("2022-05-01")).level == "medium"  # 12-digit form of the district
    assert risk_level_on(name="上海市浦东新区某小区", on=D("2026-01-01")).level == "high"  # never lifted


def test_it_rejects_each_bad_row_with_its_column_and_keeps_the_good_ones(editor):
    text = """code,name,level,zone,start_date,lift_date,source
12AB,坏编码,high,,2022-01-01,,x
110105,朝阳区,extreme,,2022-01-01,,x
110105,朝阳区,high,red,2022-01-01,,x
110105,朝阳区,high,,2022-02-30,,x
110105,朝阳区,high,,2022-03-01,2022-02-01,x
110106,丰台区,low,,2022-03-01,,x
"""
    result = risk_areas_import(user=editor, text=text)
    assert result.created == 1
    assert [(e["row"], e["column"]) for e in result.rejected] == [
        (2, "code"), (3, "level"), (4, "zone"), (5, "start_date"), (6, "lift_date")]
    assert "2022-02-30" in result.rejected[3]["reason"]


def test_a_grid_worker_may_not_change_the_list(tree):
    worker = make_user("gw", tree["grid_a"].code, "grid_worker")
    with pytest.raises(PermissionDenied):
        risk_areas_import(user=worker, text=PUSHED)
    assert not RiskArea.objects.exists()


def test_a_missing_column_is_refused_as_a_whole(editor):
    with pytest.raises(RowError, match="columns are"):
        risk_areas_import(user=editor, text="area,level\nx,high\n")


@given(st.text(alphabet="0123456789", min_size=2, max_size=18))
def test_covering_codes_are_prefixes_at_division_lengths(code):
    for prefix in covering_codes(code):
        assert code.startswith(prefix) or len(code) == 12
        assert len(prefix) in {2, 4, 6, 9, 12, 15, 18}


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)), st.sampled_from(["{y}-{m:02d}-{d:02d}", "{y}/{m}/{d}", "{y}年{m}月{d}日", "{y}.{m}.{d}"]))
def test_dates_are_read_in_the_spellings_people_use(day, pattern):
    assert parse_date(pattern.format(y=day.year, m=day.month, d=day.day), "start_date") == day


def test_a_row_needs_a_code_or_a_name():
    with pytest.raises(RowError) as info:
        parse_row(2, {"code": "", "name": " ", "level": "high", "start_date": "2022-01-01"})
    assert info.value.column == "name"


def test_the_api_answers_level_questions_and_imports(client, editor, token_for, tree):
    headers = token_for(editor)
    upload = client.post("/api/v1/risk-areas/import", {"file": _file(PUSHED)}, **headers)
    assert upload.status_code == 200, upload.content
    assert upload.json()["created"] == 4
    answer = client.get("/api/v1/risk-areas/level", {"code": "110105001", "on": "2022-05-01"}, **headers)
    assert answer.json()["level"] == "high"
    listed = client.get("/api/v1/risk-areas/", {"on": "2022-05-01"}, **headers)
    assert {r["division_code"] for r in listed.json()} >= {"110105", "110105001"}


def test_the_api_refuses_a_grid_worker_with_403(client, tree, token_for):
    worker = make_user("gw", tree["grid_a"].code, "grid_worker")
    response = client.post("/api/v1/risk-areas/", json.dumps({"region_name": "x", "level": "high", "starts_on": "2022-01-01"}),
                           content_type="application/json", **token_for(worker))
    assert response.status_code == 403


def _file(text):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("risk.csv", text.encode("utf-8"), content_type="text/csv")


def test_the_cli_imports_and_answers_the_level_on_a_date(editor, tmp_path, capsys):
    from django.core.management import call_command

    path = tmp_path / "risk.csv"
    path.write_text(PUSHED, encoding="utf-8")
    call_command("risk", "import", str(path), "--user", editor.username, "--json")
    assert json.loads(capsys.readouterr().out)["created"] == 4
    call_command("risk", "level", "110105001003", "--on", "2022-05-01", "--json")
    assert json.loads(capsys.readouterr().out)["level"] == "high"
