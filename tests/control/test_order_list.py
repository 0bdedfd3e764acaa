"""Issue 12 §4: everyone under an order, filtered by measure, status, category, colour, area, overdue tests and
arrival date, scoped, and exported whole (masked, formula-safe, access-logged with its count and filter)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from fangkong.arrivals import services as arrivals_services
from fangkong.control import services as control_services
from fangkong.control.models import ScheduledTest
from fangkong.core.models import AccessLog
from fangkong.people.services import household_create, person_register
from fangkong.risk.models import RiskArea
from tests.conftest import make_id_number, make_user


@pytest.fixture
def orders(tree, user_a, django_capture_on_commit_callbacks):
    RiskArea.objects.create(division_code="110105", region_name="北京市朝阳区", level="medium", starts_on=dt.date(2020, 1, 1))
    household = household_create(user=user_a, area=tree["grid_a"], address="七号楼")
    made = {}
    with django_capture_on_commit_callbacks(execute=True):
        for seq, (name, category, days_ago) in enumerate(
                [("=HYPERLINK(1)", "risk_area_arrival", 0), ("郑一", "returnee", 5), ("王二", "inbound", 2)]):
            person = person_register(area=tree["grid_a"], household=household, name=name,
                                     id_number=make_id_number(seq=f"6{seq}1"))
            arrival = arrivals_services.arrival_register(
                by=user_a, person=person, household=household, category=category, origin_code="110105",
                origin_name="北京市朝阳区", arrived_on=dt.date.today() - dt.timedelta(days=days_ago), source="manual",
                registered_on=dt.date.today() - dt.timedelta(days=days_ago))  # so that a test of theirs is overdue
            made[name] = arrival.orders.get()
    return made


def names(response) -> set[str]:
    return {o.person.name for o in response.context["page"]}


def test_the_filters_narrow_the_list_and_another_county_sees_none(client, orders, user_a, user_b,
                                                                 django_capture_on_commit_callbacks):
    client.force_login(user_a)
    assert names(client.get("/control/orders/")) == set(orders)
    assert names(client.get("/control/orders/", {"category": "returnee"})) == {"郑一"}
    assert names(client.get("/control/orders/", {"measure": "centralized_isolation"})) == {"王二"}
    assert names(client.get("/control/orders/", {"colour": "yellow"})) == set(orders)
    since = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    assert names(client.get("/control/orders/", {"arrived_from": since})) == {"=HYPERLINK(1)", "王二"}
    late = orders["郑一"].tests.order_by("due_on").first()
    assert late.due_on < dt.date.today() and late.status == ScheduledTest.Status.DUE
    assert "郑一" in names(client.get("/control/orders/", {"overdue": "on"}))
    assert "=HYPERLINK(1)" not in names(client.get("/control/orders/", {"overdue": "on"}))
    assert client.get("/control/orders/", {"colour": "purple"}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        control_services.test_result_record(by=user_a, test=late, positive=True)
    assert names(client.get("/control/orders/", {"colour": "red"})) == {"郑一"}
    assert names(client.get("/control/orders/", {"colour": "yellow"})) == {"=HYPERLINK(1)", "王二"}
    client.force_login(user_b)
    assert names(client.get("/control/orders/")) == set()


def test_the_export_is_whole_masked_formula_safe_and_logged(client, orders, tree):
    chief = make_user("chief", tree["city"].code, "city_command")
    client.force_login(chief)
    response = client.get("/control/orders/", {"category": "risk_area_arrival", "export": "csv"},
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "姓名" and len(rows) == 2
    assert rows[1][0] == "'=HYPERLINK(1)" and "*" in rows[1][1] and "居家隔离" in rows[1][5]
    log = AccessLog.objects.get(action="export", object_type="controlorder")
    assert "1 orders" in log.fields and "category=risk_area_arrival" in log.reason
    assert client.get("/control/orders/", {"export": "xlsx"}).status_code == 200



def test_a_streamed_export_speaks_the_language_of_the_request(client, orders, tree):
    """The rows are made while the response streams, after the view returned: the person list's residence and
    sex came out in English on a Chinese page."""
    client.force_login(make_user("chief2", tree["city"].code, "city_command"))
    body = b"".join(client.get("/people/export.csv", HTTP_ACCEPT_LANGUAGE="zh-hans").streaming_content).decode("utf-8-sig")
    assert "郑一" in body and "Male" not in body and "Resident ID card" not in body and "Living here" not in body


def test_the_list_of_red_and_yellow_codes_with_why_scoped_and_exported(client, orders, user_a, user_b,
                                                                       django_capture_on_commit_callbacks):
    late = orders["郑一"].tests.order_by("due_on").first()
    with django_capture_on_commit_callbacks(execute=True):
        control_services.test_result_record(by=user_a, test=late, positive=True)
    client.force_login(user_a)
    red = client.get("/control/codes/", {"colour": "red"})
    assert [c.person.name for c in red.context["page"]] == ["郑一"]
    both = {c.person.name for c in client.get("/control/codes/").context["page"]}
    assert both == set(orders)
    body = b"".join(client.get("/control/codes/", {"colour": "yellow", "export": "csv"}).streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in body and "郑一" not in body
    assert AccessLog.objects.filter(action="export", object_type="healthcode").exists()
    assert client.get("/control/codes/", {"colour": "blue"}).status_code == 404
    client.force_login(user_b)
    assert not list(client.get("/control/codes/").context["page"])


def test_arrivals_by_day_and_origin_with_counts_scoped_and_exported(client, orders, user_a, user_b):
    client.force_login(user_a)
    page = client.get("/control/arrivals/")
    assert {a.person.name for a in page.context["page"]} == set(orders)
    assert dict(page.context["counts"]["by_origin"]) == {"北京市朝阳区": 3}
    assert sum(n for _day, n in page.context["counts"]["by_day"]) == 3
    recent = client.get("/control/arrivals/", {"from": (dt.date.today() - dt.timedelta(days=3)).isoformat()})
    assert {a.person.name for a in recent.context["page"]} == {"=HYPERLINK(1)", "王二"}
    assert not list(client.get("/control/arrivals/", {"origin": "上海"}).context["page"])
    assert client.get("/control/arrivals/", {"from": "9999-99-99"}).status_code == 400
    body = b"".join(client.get("/control/arrivals/", {"export": "csv"}).streaming_content).decode("utf-8-sig")
    assert body.count("北京市朝阳区") == 3 and "'=HYPERLINK(1)" in body
    assert AccessLog.objects.filter(action="export", object_type="arrival").exists()
    client.force_login(user_b)
    assert not list(client.get("/control/arrivals/").context["page"])
