"""Arrivals in bulk: 协查 lists and spreadsheets. Formats, outcomes, idempotency, rejects, scoping,
routing, the 协查 feedback, crashes, the CLI contract, the API and the pages."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from fangkong.areas.models import Area, Responsible
from fangkong.arrivals import importing as arrival_import
from fangkong.arrivals.models import Arrival, ArrivalImportRow
from fangkong.control.models import ControlOrder
from fangkong.core.crypto import unseal
from fangkong.core.models import AccessLog
from fangkong.imports import pipeline
from fangkong.imports.models import ImportBatch, ImportReject
from fangkong.people.models import Person
from fangkong.people.services import household_create, person_register
from fangkong.risk.models import RiskArea
from tests.conftest import make_id_number, make_user

TODAY = dt.date.today()
YESTERDAY = (TODAY - dt.timedelta(days=1)).isoformat()
XIECHA_HEADERS = ["协查编号", "姓名", "证件号码", "手机号", "来源地", "风险类别", "到达时间", "目的地址", "目的地区划代码",
                  "推送单位", "推送时间"]
ID_KNOWN = make_id_number("411402", "19850101", "211")
ID_NEW = make_id_number("310115", "19900307", "123")
ID_NEW2 = make_id_number("310115", "19920415", "246")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return settings.MEDIA_ROOT


@pytest.fixture
def place(tree, city_user):
    """County A's grid with its worker, a household at 幸福路1号 and a registered resident; a medium-risk origin."""
    grid = tree["grid_a"]
    worker = Responsible.objects.create(area=grid, area_code=grid.code, tier="grid_worker", name="王网格",
                                        phone="13900000001")
    household = household_create(user=city_user, area=grid, address="幸福路1号")
    person = person_register(area=grid, household=household, name="李四", id_number=ID_KNOWN)
    RiskArea.objects.create(division_code="310115", region_name="上海市浦东新区", level="medium",
                            starts_on=TODAY - dt.timedelta(days=30))
    return {"grid": grid, "worker": worker, "household": household, "person": person}


def xiecha_row(ref: str, name: str = "张三", number: str = ID_NEW, **extra) -> dict:
    row = {"协查编号": ref, "姓名": name, "证件号码": number, "手机号": "13800138000", "来源地": "上海市浦东新区",
           "风险类别": "中风险", "到达时间": f"{YESTERDAY} 14:30", "目的地址": "幸福路1号", "目的地区划代码": "",
           "推送单位": "上海市浦东新区疫情防控指挥部", "推送时间": f"{YESTERDAY} 16:00"}
    row.update(extra)
    return row


def write_csv(path: Path, rows: list[dict], headers: list[str] | None = None, encoding: str = "utf-8-sig") -> Path:
    headers = headers or XIECHA_HEADERS
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path


def write_xlsx(path: Path, rows: list[dict], headers: list[str] | None = None) -> Path:
    headers = headers or XIECHA_HEADERS
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    book.save(path)
    return path


def run(user, path, kind="xiecha", **kwargs) -> ImportBatch:
    return arrival_import.import_file(user=user, path=path, kind=kind, language="en", **kwargs)


def counts(batch: ImportBatch) -> tuple[int, int, int, int]:
    return batch.created, batch.updated, batch.unchanged, batch.rejected


def reasons(batch: ImportBatch) -> list[tuple[int, str, str]]:
    return list(ImportReject.objects.filter(batch=batch).values_list("row_number", "column", "reason"))


# ---------------------------------------------------------------------------- outcomes and formats


def test_a_xiecha_list_matches_or_creates_persons_and_routes_each_arrival(media, tmp_path, user_a, place):
    rows = [xiecha_row("XC-1", "李四", ID_KNOWN), xiecha_row("XC-2")]
    batch = run(user_a, write_csv(tmp_path / "x.csv", rows))
    assert batch.status == ImportBatch.Status.DONE, batch.error
    assert counts(batch) == (1, 1, 0, 0), reasons(batch)
    new = Person.objects.get(name="张三")
    assert new.household == place["household"] and unseal(new.id_number_sealed) == ID_NEW
    assert new.history.count() == 1
    for person in (place["person"], new):
        arrival = Arrival.objects.get(person=person)
        assert arrival.source == Arrival.Source.ASSIST_LIST
        assert arrival.household == place["household"]
        assert arrival.routed_to == place["worker"]
        assert arrival.origin_risk == "medium" and arrival.arrived_on == TODAY - dt.timedelta(days=1)
        order = arrival.orders.get()
        assert order.owner == place["worker"] and order.status == ControlOrder.Status.ORDERED
    outcomes = dict(ArrivalImportRow.objects.values_list("reference", "outcome"))
    assert outcomes == {"XC-1": "matched", "XC-2": "created"}


def test_it_reads_an_xlsx_with_excel_dates_full_width_digits_and_numbers_for_ids(media, tmp_path, user_a, place):
    legacy = 411402900307451  # a 15-digit ID stored by Excel as a number: exact, converted to 18 digits
    arrived = dt.datetime.combine(TODAY - dt.timedelta(days=2), dt.time(9, 15))
    serial = (TODAY - dt.timedelta(days=3) - dt.date(1899, 12, 30)).days + 0.75  # an Excel serial, 18:00
    rows = [
        xiecha_row("XC-1", " 赵　六 ", ID_NEW.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
                   到达时间=arrived, 手机号=13800138000.0),
        xiecha_row("XC-2", "钱七", legacy, 到达时间=serial),
        xiecha_row(20220003, "孙八", ID_NEW2, 到达时间="2022年3月1日 14时30分"),
    ]
    batch = run(user_a, write_xlsx(tmp_path / "x.xlsx", rows))
    assert counts(batch) == (3, 0, 0, 0), reasons(batch)
    zhao = Person.objects.get(name="赵六")
    assert unseal(zhao.id_number_sealed) == ID_NEW and zhao.phone_masked == "138****8000"
    assert Arrival.objects.get(person=zhao).arrived_on == arrived.date()
    qian = Person.objects.get(name="钱七")
    assert unseal(qian.id_number_sealed) == make_id_number("411402", "19900307", "451")
    assert Arrival.objects.get(person=qian).arrived_on == TODAY - dt.timedelta(days=3)
    assert ArrivalImportRow.objects.filter(reference="20220003", outcome="created").exists()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_it_reads_csv_in_utf8_and_gb18030(media, tmp_path, user_a, place, encoding):
    batch = run(user_a, write_csv(tmp_path / "x.csv", [xiecha_row("XC-1")], encoding=encoding))
    assert counts(batch) == (1, 0, 0, 0), reasons(batch)
    assert Person.objects.filter(name="张三").exists()


def test_a_sheet_with_english_headers_and_a_village_code_is_imported(media, tmp_path, user_a, place, tree):
    headers = ["Name", "ID number", "Mobile", "Origin", "Category", "Arrival time", "Destination code", "Transport",
               "Flight"]
    row = {"Name": "Li Lei", "ID number": ID_NEW, "Mobile": "13800138000", "Origin": "美国", "Category": "inbound",
           "Arrival time": YESTERDAY, "Destination code": tree["village_a"].code, "Transport": "飞机", "Flight": "CA982"}
    batch = run(user_a, write_csv(tmp_path / "s.csv", [row], headers=headers), kind="sheet")
    assert batch.kind == "arrival_sheet"
    assert counts(batch) == (1, 0, 0, 0), reasons(batch)
    arrival = Arrival.objects.get()
    assert arrival.source == Arrival.Source.IMPORT and arrival.category == "inbound"
    assert arrival.area_code == tree["village_a"].code and arrival.household is None
    assert (arrival.transport, arrival.transport_number) == ("plane", "CA982")
    assert arrival.person.area_code == tree["village_a"].code and arrival.person.tags == ["inbound"]
    assert arrival.orders.get().measures.first().measure == "centralized_isolation"


def test_a_xiecha_list_needs_its_reference_column(media, tmp_path, user_a, place):
    headers = [h for h in XIECHA_HEADERS if h != "协查编号"]
    batch = run(user_a, write_csv(tmp_path / "x.csv", [xiecha_row("")], headers=headers))
    assert batch.status == ImportBatch.Status.FAILED and "协查编号" in batch.error
    assert run(user_a, write_csv(tmp_path / "s.csv", [xiecha_row("")], headers=headers), kind="sheet").created == 1


# ---------------------------------------------------------------------------- idempotency


def test_reimporting_the_same_list_creates_nothing(media, tmp_path, user_a, place):
    path = write_csv(tmp_path / "x.csv", [xiecha_row("XC-1", "李四", ID_KNOWN), xiecha_row("XC-2")])
    run(user_a, path)
    history = Person.history.count()
    again = run(user_a, path)
    assert counts(again) == (0, 0, 2, 0)
    assert (Person.objects.count(), Arrival.objects.count(), ControlOrder.objects.count()) == (2, 2, 2)
    assert Person.history.count() == history
    assert dict(ArrivalImportRow.objects.filter(batch=again).values_list("reference", "person_created")) == {
        "XC-1": False, "XC-2": True}


def test_a_list_pushed_again_with_the_same_references_registers_nothing_new(media, tmp_path, user_a, place):
    run(user_a, write_csv(tmp_path / "a.csv", [xiecha_row("XC-1")]))
    pushed_again = xiecha_row("XC-1", 到达时间=(TODAY - dt.timedelta(days=3)).isoformat(), 风险类别="高风险")
    batch = run(user_a, write_csv(tmp_path / "b.csv", [pushed_again, xiecha_row("XC-2", "周九", ID_NEW2)]))
    assert counts(batch) == (1, 0, 1, 0)
    assert Arrival.objects.count() == 2


def test_the_same_reference_from_another_pushing_unit_is_another_row(media, tmp_path, user_a, place):
    run(user_a, write_csv(tmp_path / "a.csv", [xiecha_row("1")]))
    other = xiecha_row("1", "周九", ID_NEW2, 推送单位="北京市朝阳区疫情防控指挥部")
    assert counts(run(user_a, write_csv(tmp_path / "b.csv", [other]))) == (1, 0, 0, 0)


def test_an_arrival_registered_at_a_checkpoint_is_not_registered_again(media, tmp_path, user_a, place):
    from fangkong.arrivals.services import arrival_register

    arrival_register(by=user_a, person=place["person"], household=place["household"], category="returnee",
                     origin_name="上海市浦东新区", arrived_on=TODAY - dt.timedelta(days=1), source="checkpoint")
    batch = run(user_a, write_csv(tmp_path / "x.csv", [xiecha_row("XC-1", "李四", ID_KNOWN)]))
    assert counts(batch) == (0, 0, 1, 0)
    assert Arrival.objects.count() == 1
    assert ArrivalImportRow.objects.get().arrival == Arrival.objects.get()


def test_a_sheet_imported_twice_is_unchanged_the_second_time(media, tmp_path, user_a, place):
    path = write_csv(tmp_path / "s.csv", [xiecha_row(""), xiecha_row("", "周九", ID_NEW2)])
    assert counts(run(user_a, path, kind="sheet")) == (2, 0, 0, 0)
    assert counts(run(user_a, path, kind="sheet")) == (0, 0, 2, 0)
    assert Arrival.objects.count() == 2


def test_one_person_twice_in_a_file_is_created_once(media, tmp_path, user_a, place):
    earlier = (TODAY - dt.timedelta(days=5)).isoformat()
    rows = [xiecha_row("XC-1"), xiecha_row("XC-2", 到达时间=earlier), xiecha_row("XC-3")]
    batch = run(user_a, write_csv(tmp_path / "x.csv", rows), chunk_size=2)
    assert counts(batch) == (1, 1, 1, 0)
    assert Person.objects.filter(name="张三").count() == 1
    assert Arrival.objects.count() == 2


# ---------------------------------------------------------------------------- rejects


BAD_CELLS = [
    ("证件号码", 1.10101199003071e17, "lost its last digits"),
    ("证件号码", ID_NEW[:17] + ("1" if ID_NEW.endswith("0") else "0"), "check character should be"),
    ("证件号码", "", "a document number is needed to match or register the person"),
    ("姓名", "  ", "name is required"),
    ("手机号", "1380013800", "not a mainland mobile number"),
    ("来源地", "", "where the person comes from is required"),
    ("来源地", "上海（31011）", "not a division code"),
    ("风险类别", "密接", "close contacts are registered by the tracing team"),
    ("风险类别", "很危险", "unknown category or risk level"),
    ("到达时间", "", "the arrival date is required"),
    ("到达时间", "明天上午", "is not a date"),
    ("到达时间", "2022-02-30 10:00", "is not a real date"),
    ("到达时间", "2022-03-01 25:10", "is not a real time of day"),
    ("到达时间", (TODAY + dt.timedelta(days=2)).isoformat(), "is in the future"),
    ("目的地区划代码", "411402001", "not the code of a village or community"),
    ("协查编号", "X" * 65, "longer than 64 characters"),
]


@pytest.mark.parametrize(("column", "value", "reason"), BAD_CELLS, ids=[r[2] for r in BAD_CELLS])
def test_a_bad_row_is_rejected_naming_row_column_and_reason(media, tmp_path, user_a, place, column, value, reason):
    bad = xiecha_row("XC-2", "周九", ID_NEW2, **{column: value})
    batch = run(user_a, write_xlsx(tmp_path / "x.xlsx", [xiecha_row("XC-1"), bad]))
    assert counts(batch) == (1, 0, 0, 1)
    reject = ImportReject.objects.get(batch=batch)
    assert (reject.row_number, reject.column) == (3, column)
    assert reason in reject.reason
    assert ID_NEW2 not in reject.reason and "13800138000" not in reject.reason
    row = ArrivalImportRow.objects.get(batch=batch, row_number=3)
    assert row.outcome == "rejected" and row.arrival is None
    assert Person.objects.filter(name="张三").exists() and not Person.objects.filter(name="周九").exists()


def test_a_number_typed_into_the_wrong_column_is_masked_in_every_reason(media, tmp_path, user_a, place):
    legacy = "411402900307451"
    rows = [
        xiecha_row("XC-1", 到达时间=ID_NEW),
        xiecha_row("XC-2", 风险类别="13912345678"),
        xiecha_row("XC-3", 目的地址="", 目的地区划代码=ID_NEW),
        xiecha_row("XC-4", "周九", legacy, 推送时间=legacy),
    ]
    batch = run(user_a, write_csv(tmp_path / "x.csv", rows))
    assert batch.rejected == 4
    texts = [r for _n, _c, r in reasons(batch)] + list(ArrivalImportRow.objects.values_list("reason", flat=True))
    texts += [" ".join(map(str, r)) for r in arrival_import.feedback_rows(batch)]
    for text in texts:
        assert ID_NEW not in text and "13912345678" not in text and legacy not in text, text
    assert any("310115***********" in t for t in texts) and any("139****5678" in t for t in texts)


def test_a_row_without_any_destination_is_rejected(media, tmp_path, user_a, place):
    batch = run(user_a, write_csv(tmp_path / "x.csv", [xiecha_row("XC-1", 目的地址="")]))
    assert reasons(batch) == [(2, "目的地址", "give the destination address, or the village or community")]


def test_the_same_reference_twice_in_a_file_rejects_the_second(media, tmp_path, user_a, place):
    rows = [xiecha_row("XC-1"), xiecha_row("XC-1", "周九", ID_NEW2)]
    batch = run(user_a, write_csv(tmp_path / "x.csv", rows), chunk_size=1)
    assert counts(batch) == (1, 0, 0, 1)
    assert reasons(batch) == [(3, "协查编号", "the same reference is already in row 2 of this file")]


def test_rejected_rows_can_be_downloaded_fixed_and_imported_again(media, tmp_path, user_a, place):
    from fangkong.core.exports import write_xlsx as export_xlsx

    batch = run(user_a, write_csv(tmp_path / "x.csv", [xiecha_row("XC-1", 手机号="12345")]))
    path = tmp_path / "errors.xlsx"
    export_xlsx(path, arrival_import.reject_headers(), pipeline.reject_rows(batch))
    book = load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["协查编号", "姓名"] and header[-1] == "原因"
    values = [c.value for c in sheet[2]]
    assert values[header.index("证件号码")] == ID_NEW  # the uploader's own row, in full, to fix it
    values[header.index("手机号码")] = "13800138001"
    sheet.delete_rows(2)
    sheet.append(values)
    book.save(path)
    again = run(user_a, path)
    assert counts(again) == (1, 0, 0, 0), reasons(again)
    assert ImportReject.objects.get(batch=batch).resolved
    assert Person.objects.get(name="张三").phone_masked == "138****8001"


# ---------------------------------------------------------------------------- scoping and destinations


def test_a_row_for_another_district_is_refused(media, tmp_path, user_a, place, tree):
    row = xiecha_row("XC-1", 目的地址="", 目的地区划代码=tree["village_b"].code)
    batch = run(user_a, write_csv(tmp_path / "x.csv", [row]))
    assert counts(batch) == (0, 0, 0, 1)
    (number, column, reason), = reasons(batch)
    assert column == "目的地区划代码" and "outside your area" in reason
    assert ArrivalImportRow.objects.get().outcome == "rejected"
    assert not Arrival.objects.exists() and not Person.objects.filter(name="张三").exists()


def test_an_address_in_another_district_is_not_matched(media, tmp_path, user_a, city_user, place, tree):
    household_create(user=city_user, area=tree["grid_b"], address="人民路9号")
    batch = run(user_a, write_csv(tmp_path / "x.csv", [xiecha_row("XC-1", 目的地址="人民路9号")]))
    assert counts(batch) == (0, 0, 0, 1)
    assert ArrivalImportRow.objects.get().outcome == "not_found"
    assert "matches no household in your area" in reasons(batch)[0][2]


def test_a_person_registered_in_another_district_goes_to_that_district_and_is_not_named_back(
        media, tmp_path, client, user_a, city_user, place, tree):
    """Issue 11 §3: a township's 协查 list matched a person of another area, showed their name in the feedback and
    put their order in the uploader's area. Now their own area's worker gets the arrival and the order."""
    from fangkong.control.selectors import orders_for

    grid_b = tree["grid_b"]
    worker_b = Responsible.objects.create(area=grid_b, area_code=grid_b.code, tier="grid_worker", name="赵网格",
                                          phone="13900000009")
    home_b = household_create(user=city_user, area=grid_b, address="人民路9号")
    other = person_register(area=grid_b, household=home_b, name="赵六", id_number=ID_NEW2)
    batch = run(user_a, write_csv(tmp_path / "x.csv", [xiecha_row("XC-1", "赵六", ID_NEW2)]))
    assert batch.status == ImportBatch.Status.DONE and batch.rejected == 0, reasons(batch)
    arrival = Arrival.objects.get(person=other)
    assert arrival.area_code == home_b.area_code and arrival.household == home_b and arrival.routed_to == worker_b
    order = arrival.orders.get()
    assert order.owner == worker_b and order.area_code == home_b.area_code
    assert not orders_for(user=user_a).filter(pk=order.pk).exists()  # the uploader cannot record its results
    (row,) = arrival_import.feedback_rows(batch, unmasked=True)
    text = json.dumps(row, ensure_ascii=False)
    assert "赵六" not in text and "赵网格" not in text and "13900000009" not in text and ID_NEW2 not in text
    assert row[6] == "registered in another area of the city: passed to that area's worker"
    assert arrival_import.feedback_summary(batch)["elsewhere"] == 1
    client.force_login(user_a)
    page = client.get(f"/control/arrivals/import/{batch.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Registered in another area" in page and "赵六" not in page


def test_a_destination_outside_our_city_is_not_found(media, tmp_path, user_a, place):
    row = xiecha_row("XC-1", 目的地址="", 目的地区划代码="310115001001")
    batch = run(user_a, write_csv(tmp_path / "x.csv", [row]))
    assert ArrivalImportRow.objects.get().outcome == "not_found"
    assert reasons(batch) == [(2, "目的地区划代码", "there is no village or community 310115001001 in our area")]


def test_a_village_given_by_name_is_the_destination_when_no_household_matches(media, tmp_path, user_a, place, tree):
    cadre = Responsible.objects.create(area=tree["village_a"], area_code=tree["village_a"].code, tier="village_cadre",
                                       name="村干部", phone="13900000002")
    headers = [*XIECHA_HEADERS, "所属社区"]
    row = xiecha_row("XC-1", 目的地址="新村路8号", 所属社区="梁园区一社区")
    batch = run(user_a, write_csv(tmp_path / "x.csv", [row], headers=headers))
    assert counts(batch) == (1, 0, 0, 0), reasons(batch)
    arrival = Arrival.objects.get()
    assert arrival.area_code == tree["village_a"].code and arrival.household is None
    assert arrival.routed_to == cadre


def test_the_cli_area_bounds_the_rows(media, tmp_path, place, tree, capsys):
    rows = [xiecha_row("XC-1"), xiecha_row("XC-2", "周九", ID_NEW2, 目的地址="", 目的地区划代码=tree["village_b"].code)]
    call_command("arrivals", "import", str(write_csv(tmp_path / "x.csv", rows)), "--kind", "xiecha",
                 "--area", tree["county_a"].code, "--json")
    out = json.loads(capsys.readouterr().out)
    assert (out["created"], out["rejected"]) == (1, 1)
    assert ImportBatch.objects.get().area_code == tree["county_a"].code


# ---------------------------------------------------------------------------- routing


def test_each_arrival_goes_to_the_worker_of_its_destination(media, tmp_path, user_a, city_user, place, tree):
    grid2 = Area.objects.create(code=tree["village_a"].code + "002", name="第二网格", parent=tree["village_a"], level=6)
    worker2 = Responsible.objects.create(area=grid2, area_code=grid2.code, tier="grid_worker", name="赵网格",
                                         phone="13900000003")
    household2 = household_create(user=city_user, area=grid2, address="和平路2号")
    rows = [xiecha_row("XC-1"), xiecha_row("XC-2", "周九", ID_NEW2, 目的地址="和平路2号")]
    run(user_a, write_csv(tmp_path / "x.csv", rows))
    first, second = (Arrival.objects.get(person__name=n) for n in ("张三", "周九"))
    assert (first.household, first.routed_to) == (place["household"], place["worker"])
    assert (second.household, second.routed_to) == (household2, worker2)
    assert second.orders.get().owner == worker2


def test_an_arrival_is_planned_by_the_higher_of_the_stated_and_the_listed_risk(media, tmp_path, user_a, place):
    rows = [xiecha_row("XC-1", 风险类别="高风险"),
            xiecha_row("XC-2", "周九", ID_NEW2, 风险类别="低风险", 来源地="上海市浦东新区（310115）")]
    run(user_a, write_csv(tmp_path / "x.csv", rows))
    high = Arrival.objects.get(person__name="张三")
    listed = Arrival.objects.get(person__name="周九")
    assert (high.category, high.origin_risk) == ("risk_area_arrival", "high")
    assert listed.origin_risk == "medium"  # the list says low; our risk-area list says medium
    assert high.orders.get().measures.first().measure == "centralized_isolation"


def test_two_households_with_the_same_address_need_a_village_code(media, tmp_path, user_a, city_user, place, tree):
    grid2 = Area.objects.create(code=tree["village_a"].code + "002", name="第二网格", parent=tree["village_a"], level=6)
    household2 = household_create(user=city_user, area=grid2, address="幸福路1号")
    batch = run(user_a, write_csv(tmp_path / "x.csv", [xiecha_row("XC-1")]))
    assert "2 households in your area have this address" in reasons(batch)[0][2]
    narrowed = xiecha_row("XC-2", 目的地区划代码=grid2.code)
    batch = run(user_a, write_csv(tmp_path / "y.csv", [narrowed]))
    assert counts(batch) == (1, 0, 0, 0), reasons(batch)
    assert Arrival.objects.get().household == household2


# ---------------------------------------------------------------------------- the 协查 feedback


@pytest.fixture
def pushed(media, tmp_path, user_a, place, tree):
    rows = [
        xiecha_row("XC-1", "李四", ID_KNOWN),
        xiecha_row("XC-2"),
        xiecha_row("XC-3", "周九", ID_NEW2, 目的地址="", 目的地区划代码="310115001001"),
        xiecha_row("XC-4", "吴十", make_id_number("310115", "19800101", "777"), 手机号="123"),
    ]
    return run(user_a, write_csv(tmp_path / "x.csv", rows))


def test_the_feedback_lists_every_row_with_its_outcome(pushed, place):
    rows = list(arrival_import.feedback_rows(pushed))
    assert [r[1] for r in rows] == ["XC-1", "XC-2", "XC-3", "XC-4"]
    outcomes = [r[6] for r in rows]
    assert outcomes == ["matched (registered person)", "registered (new to our registry)", "not found in our area",
                        "rejected"]
    assert rows[0][4] == place["person"].id_number_masked and ID_KNOWN not in json.dumps(rows, ensure_ascii=False)
    assert rows[1][8:10] == ["王网格", "13900000001"] and "home isolation" in rows[1][10]
    assert rows[2][3] == "周九" and rows[2][4] == "310115" + "*" * 11 + ID_NEW2[-1:]
    assert rows[3][11] == "手机号: not a mainland mobile number (11 digits starting with 1)"
    assert arrival_import.feedback_summary(pushed) == {"created": 1, "matched": 1, "not_found": 1, "rejected": 1,
                                                       "elsewhere": 0}


def test_the_feedback_of_a_list_pushed_again_says_already_registered(pushed, tmp_path, user_a):
    again = run(user_a, write_csv(tmp_path / "again.csv", [xiecha_row("XC-2")]))
    (row,) = arrival_import.feedback_rows(again)
    assert row[6] == "registered (new to our registry)" and "already registered" in row[11]


def test_the_feedback_download_masks_numbers_for_a_district_user_and_is_logged(pushed, client, tree):
    district = make_user("district_a", tree["county_a"].code, "district")
    client.force_login(district)
    response = client.get(f"/control/arrivals/import/{pushed.pk}/feedback.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "XC-1" in text and ID_NEW not in text and ID_NEW[:6] + "*" * 11 + ID_NEW[-1:] in text
    assert AccessLog.objects.filter(user=district, object_id=str(pushed.pk), fields="feedback masked").exists()


def test_a_grid_worker_gets_full_numbers_in_the_feedback(pushed, client, user_a):
    client.force_login(user_a)
    response = client.get(f"/control/arrivals/import/{pushed.pk}/feedback.xlsx")
    path = Path(pushed.stored_path).with_name("fb.xlsx")
    path.write_bytes(b"".join(response.streaming_content))
    sheet = load_workbook(path).active
    assert [c.value for c in sheet[1]][:3] == ["行号", "协查编号", "推送单位"]
    assert ID_NEW in [c.value for c in sheet[3]]
    assert AccessLog.objects.filter(user=user_a, fields="feedback id_number").exists()


# ---------------------------------------------------------------------------- crashes


def test_a_crash_mid_import_keeps_whole_chunks_and_a_rerun_completes(media, tmp_path, user_a, place, monkeypatch):
    rows = [xiecha_row(f"XC-{i}", f"人{i}", make_id_number("310115", "19900101", f"{300 + i}")) for i in range(7)]
    path = write_csv(tmp_path / "x.csv", rows)
    real = arrival_import.parse_row

    def explode_on_row_6(number, *args, **kwargs):
        if number == 6:
            raise RuntimeError("disk on fire")
        return real(number, *args, **kwargs)

    monkeypatch.setattr(arrival_import, "parse_row", explode_on_row_6)

    batch = pipeline.batch_create(user=user_a, source=path, filename="x.csv", kind="xiecha")
    with pytest.raises(RuntimeError):
        pipeline.run_batch(batch, language="en", chunk_size=2)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and batch.processed_rows == 4
    assert (Person.objects.count() - 1, Arrival.objects.count(), ControlOrder.objects.count()) == (4, 4, 4)
    assert ArrivalImportRow.objects.count() == 4 and batch.created == 4
    monkeypatch.setattr(arrival_import, "parse_row", real)
    batch = pipeline.run_batch(batch, language="en", chunk_size=2)
    assert batch.status == ImportBatch.Status.DONE and counts(batch) == (7, 0, 0, 0)
    assert (Arrival.objects.count(), ControlOrder.objects.count()) == (7, 7)
    assert counts(run(user_a, path)) == (0, 0, 7, 0)


# ---------------------------------------------------------------------------- the CLI, the API, the pages


def test_the_cli_prints_the_json_contract_and_the_errors_file(media, tmp_path, place, tree, capsys):
    path = write_csv(tmp_path / "x.csv", [xiecha_row("XC-1", "李四", ID_KNOWN), xiecha_row("XC-2", 手机号="1")])
    call_command("arrivals", "import", str(path), "--kind", "xiecha", "--area", tree["county_a"].code, "--json")
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"created", "matched", "unchanged", "rejected", "errors_file"}
    assert (out["created"], out["matched"], out["unchanged"], out["rejected"]) == (0, 1, 0, 1)
    sheet = load_workbook(out["errors_file"]).active
    assert "not a mainland mobile number" in sheet.cell(row=2, column=sheet.max_column).value
    call_command("arrivals", "import", str(path), "--kind", "xiecha", "--area", tree["county_a"].code, "--json")
    again = json.loads(capsys.readouterr().out)
    assert (again["created"], again["matched"], again["unchanged"], again["rejected"]) == (0, 0, 1, 1)


def test_the_cli_writes_the_feedback_and_refuses_an_unknown_area(media, tmp_path, place, tree, capsys):
    from django.core.management.base import CommandError

    path = write_csv(tmp_path / "x.csv", [xiecha_row("XC-1")])
    with pytest.raises(CommandError, match="no area 419999"):
        call_command("arrivals", "import", str(path), "--kind", "xiecha", "--area", "419999", "--json")
    feedback = tmp_path / "fb.csv"
    call_command("arrivals", "import", str(path), "--kind", "sheet", "--area", tree["county_a"].code,
                 "--feedback", str(feedback))
    text = feedback.read_text(encoding="utf-8-sig")
    assert "registered (new to our registry)" in text and ID_NEW not in text


def test_the_api_imports_a_list_and_reports_counts_and_feedback(pushed, media, tmp_path, client, user_a, user_b,
                                                                token_for):
    path = write_csv(tmp_path / "api.csv", [xiecha_row("XC-9", "郑一", make_id_number("310115", "19700101", "888"))])
    with open(path, "rb") as fh:
        response = client.post("/api/v1/arrival-imports", {"kind": "xiecha", "file": fh}, **token_for(user_a))
    assert response.status_code == 202, response.content
    pk = response.json()["id"]
    status = client.get(f"/api/v1/arrival-imports/{pk}", **token_for(user_a)).json()
    assert (status["status"], status["kind"], status["created"], status["matched"]) == ("done", "xiecha", 1, 0)
    feedback = client.get(f"/api/v1/arrival-imports/{pushed.pk}/feedback?limit=2&offset=2", **token_for(user_a))
    assert [r["outcome"] for r in feedback.json()] == ["not found in our area", "rejected"]
    assert client.get(f"/api/v1/arrival-imports/{pk}", **token_for(user_b)).status_code == 404
    assert client.get(f"/api/v1/arrival-imports/{pk}/feedback", **token_for(user_b)).status_code == 404


def test_the_api_refuses_an_unknown_kind_and_a_file_of_another_type(media, tmp_path, client, user_a, token_for):
    path = write_csv(tmp_path / "x.csv", [xiecha_row("XC-1")])
    with open(path, "rb") as fh:
        response = client.post("/api/v1/arrival-imports", {"kind": "people", "file": fh}, **token_for(user_a))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "kind"
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF")
    with open(pdf, "rb") as fh:
        response = client.post("/api/v1/arrival-imports", {"kind": "sheet", "file": fh}, **token_for(user_a))
    assert response.status_code == 422 and ".pdf" in response.json()["errors"][0]["reason"]
    assert not ImportBatch.objects.exists()


def test_the_upload_page_is_in_the_nav_imports_in_the_background_and_shows_the_result(media, tmp_path, client, user_a,
                                                                                      place):
    client.force_login(user_a)
    assert "/control/arrivals/import/" in client.get("/control/today/").content.decode()
    path = write_csv(tmp_path / "x.csv", [xiecha_row("XC-1"), xiecha_row("XC-2", "坏行", ID_NEW2, 手机号="12345")])
    with open(path, "rb") as fh:
        response = client.post("/control/arrivals/import/", {"kind": "xiecha", "file": fh})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/control/arrivals/import/{batch.pk}/"
    body = client.get(response["Location"]).content.decode()
    assert batch.status == "done" and batch.created == 1 and batch.rejected == 1
    assert "坏行" not in body and "手机号" in body and "not a mainland mobile number" in body
    assert f"/control/arrivals/import/{batch.pk}/errors.xlsx" in body
    assert f"/control/arrivals/import/{batch.pk}/feedback.xlsx" in body
    errors = client.get(f"/control/arrivals/import/{batch.pk}/errors.xlsx")
    assert b"".join(errors.streaming_content)[:2] == b"PK"


def test_a_running_import_page_shows_progress(media, client, user_a):
    batch = ImportBatch.objects.create(kind="xiecha", filename="x.csv", sha256="0", uploaded_by=user_a,
                                       area_code=user_a.area_code, status="running", total_rows=10, processed_rows=4)
    client.force_login(user_a)
    body = client.get(f"/control/arrivals/import/{batch.pk}/").content.decode()
    assert 'http-equiv="refresh"' in body and '<progress max="100" value="40"' in body


def test_a_read_only_user_has_no_import_link_and_may_not_import(media, tmp_path, client, tree):
    reader = make_user("reader", tree["county_a"].code, "read_only")
    client.force_login(reader)
    assert "/control/arrivals/import/" not in client.get("/control/today/").content.decode()
    with open(write_csv(tmp_path / "x.csv", [xiecha_row("XC-1")]), "rb") as fh:
        client.post("/control/arrivals/import/", {"kind": "xiecha", "file": fh})
    assert not ImportBatch.objects.exists()


def test_the_people_import_pages_do_not_list_arrival_batches(pushed, client, user_a):
    client.force_login(user_a)
    assert "x.csv" not in client.get("/people/import/").content.decode()
    assert client.get(f"/people/import/{pushed.pk}/").status_code == 404


def test_the_template_example_imports_cleanly(media, tmp_path, tree, city_user):
    from fangkong.core.exports import write_xlsx as export_xlsx

    user = make_user("worker", tree["village_a"].code, "grid_worker")
    household_create(user=city_user, area=tree["grid_a"], address="幸福路1号")
    path = tmp_path / "t.xlsx"
    export_xlsx(path, list(arrival_import.ar.TEMPLATE_COLUMNS.values()), arrival_import.template_example_rows())
    batch = run(user, path)
    assert counts(batch) == (1, 0, 0, 0), reasons(batch)


def test_the_example_list_in_the_docs_imports(media, tmp_path, user_a, place):
    import re

    docs = (Path(__file__).resolve().parents[2] / "docs" / "import.md").read_text(encoding="utf-8")
    block = re.search(r"Example \(a 协查 CSV.*?```csv\n(.*?)```", docs, re.S).group(1)
    path = tmp_path / "docs.csv"
    path.write_text(block, encoding="utf-8")
    batch = run(user_a, path)
    assert counts(batch) == (1, 1, 0, 0), reasons(batch)
    assert Arrival.objects.get(person=place["person"]).area_code == place["grid"].code[:12]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("workers", [0, 2], ids=["in-process", "two-parser-processes"])
def test_a_list_parsed_in_parser_processes_gives_the_same_outcomes_and_reasons(media, tmp_path, user_a, place, workers):
    rows = [xiecha_row(f"XC-{i}", f"张{i}", make_id_number("310115", "19900307", f"{100 + i}")) for i in range(9)]
    rows[4]["手机号"] = "12345"
    rows[7]["到达时间"] = "2099-01-01 10:00"  # in the future
    rows.append(xiecha_row("XC-1", "李四", ID_KNOWN))  # a reference already in the file
    batch = run(user_a, write_csv(tmp_path / "x.csv", rows), chunk_size=3, workers=workers)
    assert batch.status == ImportBatch.Status.DONE, batch.error
    assert counts(batch) == (7, 0, 0, 3), reasons(batch)
    assert sorted(r[:2] for r in reasons(batch)) == [(6, "手机号"), (9, "到达时间"), (11, "协查编号")]
    outcomes = dict(ArrivalImportRow.objects.filter(batch=batch).values_list("row_number", "outcome"))
    assert [outcomes[n] for n in range(2, 12)] == ["created"] * 4 + ["rejected"] + ["created"] * 2 + ["rejected"] + [
        "created", "rejected"]
