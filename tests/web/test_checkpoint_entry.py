"""The checkpoint entry screen in a real browser on a phone-sized screen (Debian's chromium via Playwright)."""

from __future__ import annotations

import pytest

from fangkong.areas.models import Responsible
from fangkong.arrivals.models import Arrival, Checkpoint, Passenger
from tests.conftest import make_id_number, make_user
from tests.web.conftest import log_in, new_page

pytestmark = pytest.mark.browser

ID_1 = make_id_number(region="110105", born="19920303", seq="452")
ID_2 = make_id_number(region="310115", born="19700505", seq="613")


def figure(page, name: str) -> str:
    return page.locator(f"#entry [data-figure={name}] b").inner_text()


@pytest.mark.parametrize("htmx", [True, False], ids=["with-htmx", "without-htmx"])
def test_staff_enter_a_plate_and_two_people_by_keyboard_and_see_the_counts_change(browser, live_server, tree, htmx):
    grid = tree["grid_a"]
    Responsible.objects.create(area=grid, area_code=grid.code, tier="grid_worker", name="王网格", phone="13900000001")
    checkpoint = Checkpoint.objects.create(name="连霍高速商丘东收费站", channel="highway", area=tree["county_a"],
                                           area_code=tree["county_a"].code)
    make_user("kakou", tree["county_a"].code, "checkpoint")
    page = new_page(browser, live_server, width=360, height=740, mobile=True)
    if not htmx:  # the screen must also work when htmx.min.js is missing
        page.route("**/vendor/htmx.min.js", lambda route: route.abort())
    log_in(page, "kakou")
    page.click("header nav a[href='/control/checkpoints/']")
    page.wait_for_url(f"**/control/checkpoints/{checkpoint.pk}/entry/")
    assert figure(page, "people") == "0" and figure(page, "vehicles") == "0"

    # The plate has the province filled in and the focus: type the rest, then Enter walks field to field.
    assert page.input_value("input[name=plate]") == "豫"
    page.wait_for_function("document.activeElement && document.activeElement.name === 'plate'")
    page.keyboard.type("n12345")
    page.keyboard.press("Enter")
    page.keyboard.type("北京市朝阳区")
    page.keyboard.press("Enter")
    page.keyboard.type(grid.code)
    page.keyboard.press("Enter")
    page.keyboard.type("张三")
    page.keyboard.press("Enter")
    page.keyboard.type(ID_1)
    page.keyboard.press("Enter")
    page.keyboard.type("36.6")
    page.keyboard.press("Enter")
    page.keyboard.type("13812345678")

    page.click("button.add-row")
    page.wait_for_function("document.activeElement && document.activeElement.name === 'p-1-name'")
    page.keyboard.type("王五")
    page.keyboard.press("Enter")
    page.keyboard.type(ID_2)
    page.keyboard.press("Enter")
    page.keyboard.type("38.2")
    assert page.is_checked("input[name='p-1-outcome'][value=medical]")  # a fever is sent to medical staff
    page.keyboard.press("Enter")  # to the phone, the last field
    page.keyboard.press("Enter")  # saves

    page.wait_for_selector("#entry p.saved, ul.messages li.success")  # in place with htmx, after a redirect without
    assert figure(page, "vehicles") == "1" and figure(page, "people") == "2"
    assert figure(page, "let_through") == "1" and figure(page, "medical") == "1" and figure(page, "fever") == "1"
    assert page.input_value("input[name=plate]") == "豫" and page.input_value("input[name='p-0-name']") == ""
    recent = page.locator("#entry .recent-list").inner_text()
    assert "豫N12345" in recent and "张*" in recent and "张三" not in recent
    assert sorted(Passenger.objects.values_list("outcome", flat=True)) == ["let_through", "medical"]
    assert Arrival.objects.get().routed_to.name == "王网格"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.external_requests == []


def test_an_error_is_shown_in_place_and_what_was_typed_stays(browser, live_server, tree):
    checkpoint = Checkpoint.objects.create(name="商丘站出站口", channel="railway", area=tree["town_a"], area_code=tree["town_a"].code)
    make_user("kakou", tree["county_a"].code, "checkpoint")
    page = new_page(browser, live_server, width=360, height=740, mobile=True)
    log_in(page, "kakou")
    page.goto(f"/control/checkpoints/{checkpoint.pk}/entry/")
    page.fill("input[name=trip_number]", "G1234")
    page.fill("input[name=origin]", "上海")
    page.fill("input[name='p-0-name']", "张三")
    page.fill("input[name='p-0-id_number']", ID_1)
    page.fill("input[name='p-0-temperature']", "55")
    page.click("button.save")
    error = page.locator(".f-temperature.invalid .error")
    error.wait_for()
    assert "34–43" in error.inner_text()
    assert page.input_value("input[name='p-0-name']") == "张三"
    # The entry script puts the cursor on the first wrong field once the answer is swapped in.
    page.wait_for_function("document.activeElement && document.activeElement.name === 'p-0-temperature'", timeout=5000)
    assert not Passenger.objects.exists()
