"""A grid worker on a phone: the person's page shows the control picture, the worker's number is a tap away, and
a positive result is recorded only after its confirmation page (issue 12 §3 and §7)."""

from __future__ import annotations

import pytest

from fangkong.control.models import ScheduledTest
from fangkong.healthcodes.models import HealthCode
from tests.people.test_person_page import person_under_order  # noqa: F401 - the fixture
from tests.web.conftest import log_in, new_page

pytestmark = pytest.mark.browser


def test_a_worker_reads_the_picture_and_records_a_positive_after_confirming_it(
        browser, live_server, person_under_order, user_a):  # noqa: F811 - the fixture imported above
    person, order = person_under_order
    page = new_page(browser, live_server, width=390, height=844, mobile=True)
    log_in(page, user_a.username)
    page.goto(f"/people/{person.pk}/")
    assert page.locator("#health-code .colour-yellow").is_visible()
    assert page.locator("a[href^='tel:']").count() >= 1
    page.locator(f"#orders a[href='/control/orders/{order.pk}/']").first.click()
    page.wait_for_url(f"**/control/orders/{order.pk}/")
    first = order.tests.order_by("due_on").first()
    page.locator(f"form[action='/control/tests/{first.pk}/result/'] button[value=positive]").click()
    page.wait_for_selector("input[name=confirm][value=yes]", state="attached")
    first.refresh_from_db()
    assert first.status == ScheduledTest.Status.DUE  # asked, not yet recorded
    page.locator("form button.danger").click()
    page.wait_for_url(f"**/control/orders/{order.pk}/")
    first.refresh_from_db()
    assert first.status == ScheduledTest.Status.POSITIVE
    page.goto(f"/people/{person.pk}/")
    assert page.locator("#health-code .colour-red").is_visible()
    assert HealthCode.objects.get(person=person).colour == "red"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.external_requests == []


def test_on_a_phone_the_menu_is_one_line_and_the_rest_one_tap_away(browser, live_server, user_a):
    """Issue 12 §6: the 13-item menu wrapped to 3–4 lines on a phone."""
    page = new_page(browser, live_server, width=390, height=844, mobile=True)
    log_in(page, user_a.username)
    nav = page.locator("header nav")
    first = nav.locator("> a").first.bounding_box()
    assert all(abs(a.bounding_box()["y"] - first["y"]) < 4 for a in nav.locator("> a").all())  # one line
    assert not page.locator("header nav .more-items a[href='/control/risk-areas/']").is_visible()
    page.locator("header nav details.more > summary").click()
    page.locator("header nav .more-items a[href='/control/risk-areas/']").click()
    page.wait_for_url("**/control/risk-areas/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
