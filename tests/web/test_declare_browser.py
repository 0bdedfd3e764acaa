"""The public self-declaration page in a real browser at phone size (360 px), as an arrival uses it."""

from __future__ import annotations

import pytest

from fangkong.arrivals.models import Arrival
from fangkong.core.clock import today
from tests.conftest import make_id_number, make_user
from tests.control.declare_world import build_community
from tests.web.conftest import log_in, new_page

pytestmark = pytest.mark.browser


@pytest.fixture
def world(tree, settings):
    settings.FANGKONG_PUBLIC = {**settings.FANGKONG_PUBLIC, "FORM_MIN_SECONDS": 1}
    return build_community(tree)


def width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def fill_in(page, world, *, phone="13812345678"):
    page.fill("input[name=name]", "李四")
    page.fill("input[name=id_number]", make_id_number(seq="731"))
    page.fill("input[name=phone]", phone)
    page.fill("input[name=arrived_on]", today().isoformat())
    page.select_option("select[name=transport]", "train")
    page.fill("input[name=transport_number]", "G123")
    page.select_option("select[name=building]", world.building.code)
    page.fill("input[name=address]", "1单元201室")
    page.check("input[name=promise]")


def choose_origin(page, htmx: bool):
    """Province, then city, then county: each choice brings the next list (htmx, or the plain refine button)."""
    for name, code in (("origin_province", "11"), ("origin_city", "1101"), ("origin_county", "110105")):
        page.wait_for_selector(f"select[name={name}] option[value='{code}']", state="attached")
        page.select_option(f"select[name={name}]", code)
        if not htmx and name != "origin_county":
            page.click("button.refine")
            page.wait_for_load_state()


@pytest.mark.parametrize("htmx", [True, False], ids=["with-htmx", "without-htmx"])
def test_an_arrival_declares_on_a_phone_and_sees_what_to_do(browser, live_server, world, htmx):
    page = new_page(browser, live_server, width=360, height=740, mobile=True)
    if not htmx:
        page.route("**/vendor/htmx.min.js", lambda route: route.abort())
    page.goto(f"/d/{world.token}/")
    assert page.get_attribute("html", "lang") == "zh-hans"
    assert world.village.name in page.locator("h1.community").inner_text()
    box = page.locator("input[name=website]").bounding_box()
    assert box is None or box["x"] + box["width"] <= 0  # the honeypot is off screen
    if htmx and not page.evaluate("!!window.htmx"):
        pytest.skip("htmx is not installed (make install fetches it)")
    choose_origin(page, htmx)
    assert page.locator("button.refine").is_visible() is (not htmx)
    fill_in(page, world, phone="12345")
    assert width(page) <= 360
    shot(page, f"declare-form-{'htmx' if htmx else 'plain'}")
    page.wait_for_timeout(1100)  # a person takes longer than the form's minimum time
    page.click("form.public-form button[type=submit].primary")
    page.wait_for_selector("#errors")
    shot(page, "declare-errors")
    assert page.locator("#field-phone .error").is_visible()
    assert not Arrival.objects.exists()
    page.fill("input[name=phone]", "13812345678")
    page.wait_for_timeout(1100)
    page.click("form.public-form button[type=submit].primary")
    page.wait_for_selector("div.done")
    steps = page.locator("ol.steps").inner_text()
    assert today().isoformat() in steps
    assert width(page) <= 360
    shot(page, f"declared-{'htmx' if htmx else 'plain'}")
    arrival = Arrival.objects.get()
    assert arrival.origin_code == "110105" and arrival.household == world.household
    assert page.external_requests == []


def test_a_grid_worker_prints_the_communitys_poster_on_one_a4_sheet(browser, live_server, world, tree):
    import re

    make_user("gridworker", tree["grid_a"].code, "grid_worker")
    page = new_page(browser, live_server)
    log_in(page, "gridworker")
    page.goto("/control/declare/posters/")
    page.click(f"a[href='/control/declare/posters/{world.village.code}/']")
    sheet = page.locator("article.poster-sheet")
    assert world.village.name in sheet.inner_text() and sheet.locator("svg.qr").is_visible()
    url = sheet.locator("p.url").inner_text()
    assert url.startswith(live_server.url + "/d/")
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible() and not page.locator(".actions").is_visible()
    shot(page, "poster")
    pdf = page.pdf(format="A4", print_background=False)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
    phone = new_page(browser, live_server, width=360, height=740, mobile=True)
    phone.goto(url)  # what the QR code opens
    assert world.village.name in phone.locator("h1.community").inner_text()


def shot(page, name: str) -> None:
    """Full-page screenshots for a person to look at, when FANGKONG_SCREENSHOTS names a folder."""
    import os
    from pathlib import Path

    folder = os.environ.get("FANGKONG_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_a_person_checks_in_through_their_personal_link_on_a_phone(browser, live_server, world):
    from fangkong.arrivals import services as arrivals_services
    from fangkong.control import services
    from fangkong.control.models import CheckIn
    from fangkong.control.public_tokens import checkin_token
    from fangkong.people.services import person_register

    worker = make_user("cadre", world.village.code, "grid_worker")
    person = person_register(area=world.building, household=world.household, name="钱七", id_number=make_id_number(seq="551"))
    arrival = arrivals_services.arrival_register(by=worker, person=person, household=world.household, category="inbound",
                                        origin_name="新加坡", arrived_on=today(), source="manual")
    link = services.checkin_link_issue(by=worker, order=arrival.orders.get())
    page = new_page(browser, live_server, width=360, height=740, mobile=True)
    page.goto(f"/c/{checkin_token(link.pk, link.nonce)}/")
    assert page.locator("h1.who").inner_text() == "钱*"
    assert "钱七" not in page.content()
    page.fill("input[name=temperature]", "38.1")
    page.check("input[name=symptoms][value=cough]")
    assert width(page) <= 360
    page.wait_for_timeout(1100)
    page.click("form.public-form button[type=submit].primary")
    page.wait_for_selector("div.done")
    assert page.locator("[data-figure=checkins]").inner_text().startswith("1")
    assert width(page) <= 360
    shot(page, "checkin-done")
    checkin = CheckIn.objects.get()
    assert checkin.by == "self" and checkin.symptoms == ["cough"]
    assert page.external_requests == []
