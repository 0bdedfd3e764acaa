import datetime as dt

import pytest

from fangkong.arrivals import services as arrivals_services
from fangkong.control.models import ScheduledTest
from fangkong.people.services import household_create, person_register
from fangkong.risk.models import RiskArea
from tests.conftest import make_id_number, make_user


@pytest.fixture
def order(tree, user_a):
    household = household_create(user=user_a, area=tree["grid_a"], address="三号楼")
    person = person_register(area=tree["grid_a"], household=household, name="钱七", id_number=make_id_number(seq="551"))
    RiskArea.objects.create(division_code="110105", region_name="北京市朝阳区", level="medium", starts_on=dt.date(2020, 1, 1))
    arrival = arrivals_services.arrival_register(by=user_a, person=person, household=household, category="risk_area_arrival",
                                        origin_code="110105", origin_name="北京市朝阳区", arrived_on=dt.date.today(), source="manual")
    return arrival.orders.get()


def test_the_worker_sees_today_and_records_a_checkin_on_the_order_page(client, order, user_a):
    client.force_login(user_a)
    page = client.get("/control/today/")
    assert "钱七" in page.content.decode()
    bad = client.post(f"/control/orders/{order.pk}/", {"temperature": "55.0"})
    assert bad.status_code == 200 and "34–43" in bad.content.decode()
    assert not order.checkins.exists()
    good = client.post(f"/control/orders/{order.pk}/", {"temperature": "36.6"})
    assert good.status_code == 302 and order.checkins.count() == 1


def test_another_areas_worker_gets_404_on_the_order(client, order, user_b):
    client.force_login(user_b)
    assert client.get(f"/control/orders/{order.pk}/").status_code == 404
    assert "钱七" not in client.get("/control/today/").content.decode()


def test_the_city_command_sees_a_dry_run_before_applying_a_profile(client, order, tree):
    chief = make_user("chief", tree["city"].code, "city_command")
    client.force_login(chief)
    dry = client.get("/control/policy/", {"profile": "seed-2021"})
    assert dry.status_code == 200
    order.refresh_from_db()
    assert order.profile_name == "national-9th-2022"
    assert client.post("/control/policy/", {"profile": "seed-2021", "apply": "1"}).status_code == 302
    order.refresh_from_db()
    assert order.profile_name == "seed-2021"


def test_a_grid_worker_cannot_open_the_profile_switch(client, user_a, tree):
    client.force_login(user_a)
    assert client.get("/control/policy/").status_code == 403
    assert client.post("/control/policy/", {"profile": "seed-2021", "apply": "1"}).status_code == 403


def test_a_waived_test_shows_as_such_and_still_takes_a_result(client, order, user_a):
    # A person who was tested on a waived day anyway: the result is worth recording.
    waived = order.tests.order_by("due_on").first()
    waived.status = ScheduledTest.Status.WAIVED
    waived.save()
    client.force_login(user_a)
    page = client.get(f"/control/orders/{order.pk}/").content.decode()
    assert "Waived: added to the schedule after its day had passed" in page
    assert f"/control/tests/{waived.pk}/result/" in page
    assert client.post(f"/control/tests/{waived.pk}/result/", {"result": "negative"}).status_code == 302
    waived.refresh_from_db()
    assert waived.status == ScheduledTest.Status.NEGATIVE


def test_the_arrival_form_comes_up_with_a_date_the_browser_accepts_in_chinese(client, tree, user_a):
    """<input type=date> takes only YYYY-MM-DD: the Chinese format 2026/12/05 left the field empty (issue 12 §6)."""
    household = household_create(user=user_a, area=tree["grid_a"], address="六号楼")
    person = person_register(area=tree["grid_a"], household=household, name="吴八", id_number=make_id_number(seq="552"))
    client.force_login(user_a)
    page = client.get(f"/control/arrivals/new/{person.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'type="date" name="arrived_on" value="{dt.date.today().isoformat()}"' in page


def test_the_order_page_in_chinese_names_measures_and_categories_not_their_codes(client, order, user_a):
    """Issue 12 §6: codes leaked into the Chinese UI (home_isolation, risk_area_arrival)."""
    client.force_login(user_a)
    page = client.get(f"/control/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "居家隔离" in page and "home_isolation" not in page
    today = client.get("/control/today/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "中高风险地区来返人员" in today and "risk_area_arrival" not in today


def test_alarms_read_in_chinese_not_as_english_sentences_and_symptom_codes(client, order, user_a):
    """Issue 12 §6: "38.2 °C, cough" and "test due 2026-12-02 has no result" showed on Chinese pages."""
    from fangkong.control import services
    from fangkong.control.models import Escalation

    services.checkin_record(by=user_a, order=order, temperature="38.2", symptoms=["cough"])
    Escalation.objects.create(order=order, person_id=order.person_id, area_code=order.area_code, kind="missed_test",
                              detail="test due 2026-12-02 has no result", level=2)
    client.force_login(user_a)
    page = client.get("/control/escalations/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "38.2 °C、咳嗽" in page and "2026-12-02 的核酸检测未录入结果" in page
    assert "cough" not in page and "has no result" not in page
    english = client.get("/control/escalations/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "38.2 °C, Cough" in english and "the test of 2026-12-02 has no result" in english


def test_the_order_page_words_its_rule_as_the_profile_does_not_as_codes(client, order, user_a):
    """Issue 12 §6: "national-9th-2022 v1 rule medium-risk-arrival:" showed on the Chinese page."""
    client.force_login(user_a)
    page = client.get(f"/control/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "国家防控方案第九版" in page and "national-9th-2022" not in page and "medium-risk-arrival" not in page
