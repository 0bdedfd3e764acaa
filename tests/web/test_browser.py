"""The UI in a real browser (Debian's chromium through Playwright), against a live server.

Skipped with a reason when /usr/bin/chromium is missing, except under CI. The README
screenshots come from tests/web/readme_screenshots.py (run it by name; see its docstring).
"""

from __future__ import annotations

import re

import pytest

from fangkong.core.models import AccessLog
from fangkong.people.models import Person
from tests.conftest import make_user
from tests.web.city import populate
from tests.web.conftest import log_in, new_page

pytestmark = pytest.mark.browser


def test_a_county_user_logs_in_and_browses_the_tree_down_to_a_grid(browser, live_server, tree):
    populate(tree, households_per_grid=3)
    make_user("county", tree["county_a"].code, "district")
    page = new_page(browser, live_server)
    log_in(page, "county")
    assert page.locator("[data-figure=households]").inner_text() == "6"
    page.click(f"a.button[href='/areas/{tree['county_a'].code}/']")
    for node in ("town_a", "village_a", "grid_a"):
        page.click(f"#children a:text-is('{tree[node].name}')")
        page.wait_for_url(f"**/areas/{tree[node].code}/")
    crumbs = page.locator("nav.crumbs a").all_inner_texts()
    assert crumbs == [tree["county_a"].name, tree["town_a"].name, tree["village_a"].name]
    assert tree["city"].name not in crumbs
    assert page.external_requests == []


@pytest.mark.parametrize("htmx", [True, False], ids=["with-htmx", "without-htmx"])
def test_search_as_you_type_finds_an_area_in_the_subtree(browser, live_server, tree, htmx):
    make_user("county", tree["county_a"].code, "district")
    page = new_page(browser, live_server)
    if not htmx:  # progressive enhancement: the page must work when htmx.min.js is missing
        page.route("**/vendor/htmx.min.js", lambda route: route.abort())
    log_in(page, "county")
    page.goto(f"/areas/{tree['county_a'].code}/")
    page.fill("form.search input[name=q]", "网格")
    if not page.evaluate("!!window.htmx"):  # without htmx the form still works, by a plain submit
        page.press("form.search input[name=q]", "Enter")
    page.wait_for_selector(f"#search-results a:text-is('{tree['grid_a'].name}')")
    assert tree["grid_b"].name not in page.locator("#search-results").inner_text()


def test_a_grid_worker_sees_masked_numbers_and_reveals_one_with_a_reason(browser, live_server, tree):
    populate(tree, households_per_grid=2)
    make_user("gridworker", tree["grid_a"].code, "grid_worker")
    person = Person.objects.filter(area=tree["grid_a"]).exclude(phone_sealed="").first()
    from fangkong.core.crypto import unseal

    full_id, full_phone = unseal(person.id_number_sealed), unseal(person.phone_sealed)
    page = new_page(browser, live_server)
    log_in(page, "gridworker")
    page.goto(f"/people/?area={tree['grid_a'].code}")
    listing = page.locator("table.list").inner_text()
    assert person.id_number_masked in listing and full_id not in listing
    page.click(f"a[href='/people/{person.pk}/']")
    assert page.locator("#id-number").inner_text() == person.id_number_masked
    page.fill("input[name=reason]", "核对健康码")
    page.click("form.reveal button[type=submit]")
    page.wait_for_selector("p.notice")
    assert page.locator("#id-number").inner_text() == full_id
    assert page.locator("#phone").inner_text() == full_phone
    assert AccessLog.objects.filter(username="gridworker", object_id=str(person.pk), reason="核对健康码").exists()
    assert full_id not in page.url


def test_the_grid_board_lists_the_chain_and_prints_on_a4(browser, live_server, tree):
    city = populate(tree, households_per_grid=1)
    make_user("gridworker", tree["grid_a"].code, "grid_worker")
    page = new_page(browser, live_server)
    log_in(page, "gridworker")
    page.goto(f"/areas/{tree['grid_a'].code}/")
    page.click(f"a[href='/areas/{tree['grid_a'].code}/board/']")
    sheet = page.locator("article.board-sheet").inner_text()
    for row in city["chain"].values():
        assert row.name in sheet and row.phone in sheet
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    pdf = page.pdf(format="A4", print_background=False)
    pages = re.findall(rb"/Type\s*/Page(?!s)", pdf)
    assert pdf.startswith(b"%PDF") and len(pages) == 1  # the whole board on one A4 sheet


def test_the_language_switches_to_english_and_back(browser, live_server, tree):
    make_user("county", tree["county_a"].code, "district")
    page = new_page(browser, live_server)
    log_in(page, "county")
    assert page.get_attribute("html", "lang") == "zh-hans"
    page.select_option("form.lang select", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    page.select_option("form.lang select", "zh-hans")
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")
    assert page.locator("[data-figure=households]").is_visible()


def test_pages_fit_a_phone_360_pixels_wide(browser, live_server, tree):
    populate(tree, households_per_grid=2)
    make_user("gridworker", tree["grid_a"].code, "grid_worker")
    page = new_page(browser, live_server, width=360, height=740, mobile=True)
    log_in(page, "gridworker")
    for url in ("/", f"/areas/{tree['grid_a'].code}/", f"/people/?area={tree['grid_a'].code}",
                f"/areas/{tree['grid_a'].code}/board/", f"/areas/{tree['grid_a'].code}/roster/"):
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 360, f"{url} is {overflow}px wide"
    assert page.external_requests == []


def test_a_tree_node_expands_in_place_with_htmx_or_opens_without_it(browser, live_server, tree):
    make_user("county", tree["county_a"].code, "district")
    page = new_page(browser, live_server)
    log_in(page, "county")
    page.goto(f"/areas/{tree['county_a'].code}/")
    page.click(f"a.expand[href='/areas/{tree['town_a'].code}/']")
    page.wait_for_selector(f"a:text-is('{tree['village_a'].name}')")
    if page.evaluate("!!window.htmx"):
        assert page.url.endswith(f"/areas/{tree['county_a'].code}/")
    else:
        assert page.url.endswith(f"/areas/{tree['town_a'].code}/")
