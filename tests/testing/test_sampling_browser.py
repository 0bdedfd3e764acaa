"""The sampling screen in a real browser on a phone-sized screen: a scanner types a code and Enter, nothing else."""

from __future__ import annotations

import pytest

from fangkong.healthcodes.services import health_code_refresh
from fangkong.testing.models import Tube, TubeSample
from tests.web.conftest import browser, log_in, new_page  # noqa: F401 - browser is the fixture

pytestmark = pytest.mark.browser


def test_a_sampler_fills_a_pool_of_ten_by_scans_alone_and_is_asked_for_the_next_tube(browser, live_server, world):  # noqa: F811
    tokens = [health_code_refresh(person=p).token for p in world["persons"][:11]]
    page = new_page(browser, live_server, width=360, height=740, mobile=True)
    log_in(page, "alice")
    page.goto(f"/testing/sites/{world['site'].pk}/sample/")
    page.wait_for_selector("input[name=barcode]:focus")
    page.keyboard.type("T0001")
    page.keyboard.press("Enter")
    for n, token in enumerate(tokens[:10], start=1):
        page.wait_for_selector("input[name=code]:focus")
        page.keyboard.type(token)
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        if n < 10:
            page.wait_for_selector(f".tube-now >> text=/(^|[^0-9]){n} \\/ 10|{n} of 10/")
    # full: the screen says so and asks for a new tube; the 11th scan goes to a new tube
    page.wait_for_selector("input[name=barcode]:focus")
    assert "T0001" in page.content()
    assert TubeSample.objects.filter(tube__barcode="T0001").count() == 10
    assert Tube.objects.get(barcode="T0001").closed
    assert page.external_requests == []
