"""The gatherings calendar in a real browser: a month grid on a desk, a list of days on a phone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.gatherings import services as gatherings_services
from tests.conftest import make_user
from tests.web.conftest import log_in, new_page

pytestmark = pytest.mark.browser


def approved_wedding(tree):
    applicant = make_user("wang", tree["village_a"].code, "grid_worker")
    township = make_user("tina", tree["town_a"].code, "township")
    tz = timezone.get_default_timezone()
    day = timezone.now().astimezone(tz).date() + dt.timedelta(days=2)
    start = dt.datetime.combine(day, dt.time(11), tzinfo=tz)
    g = gatherings_services.gathering_submit(
        by=applicant, area=tree["village_a"], title="王家婚宴", kind="wedding", organiser="王家", contact_name="王五",
        contact_phone="13912345678", venue="村文化广场", starts_at=start, ends_at=start + dt.timedelta(hours=4),
        expected_attendance=150, plan_text="验码测温", measures=["scan_codes"],
    )
    return gatherings_services.gathering_approve(by=township, gathering=g)


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desk"])
def test_the_calendar_shows_a_month_grid_on_a_desk_and_a_day_list_on_a_phone(browser, live_server, tree, phone):
    g = approved_wedding(tree)
    page = new_page(browser, live_server, width=360 if phone else 1280, height=740 if phone else 800, mobile=phone)
    log_in(page, "tina")
    page.goto(f"/control/gatherings/calendar/?month={timezone.localtime(g.starts_at):%Y-%m}")
    assert page.locator("form.month-filter input[type=month]").bounding_box()["width"] >= 120
    grid, days = page.locator("table.month"), page.locator("ol.daylist")
    assert grid.is_visible() != phone
    assert days.is_visible() == phone
    shown = days if phone else grid
    shown.locator("a:has-text('王家婚宴')").first.click()
    page.wait_for_url(f"**/control/gatherings/{g.pk}/")
    assert page.external_requests == []
    if phone:  # nothing wider than the screen, and the month field still usable
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
