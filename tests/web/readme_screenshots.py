"""Write the README screenshots to docs/img/ from a small city built through the real services.

Not collected by the suite (the name does not start with test_); run it by name:
    .venv/bin/pytest tests/web/readme_screenshots.py
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_user
from tests.web.city import showcase
from tests.web.conftest import log_in, new_page

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.mark.browser
def test_write_the_readme_screenshots(browser, live_server, tree):
    data = showcase(tree)
    make_user("county", tree["county_a"].code, "district", first_name="梁园区指挥部")
    make_user("gridworker", data["grids"][0].code, "grid_worker", first_name="网格员")
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    page = new_page(browser, live_server)
    log_in(page, "county")
    page.screenshot(path=str(DOCS_IMG / "dashboard.png"), full_page=True)
    town = data["grids"][0].code[:9]
    page.goto(f"/areas/{tree['county_a'].code}/")
    page.click(f"a.expand[href='/areas/{town}/']")
    page.wait_for_selector(f"#sub-{town} table")
    page.screenshot(path=str(DOCS_IMG / "tree.png"), full_page=True)
    page.goto(f"/areas/{data['grids'][0].code[:12]}/")
    page.screenshot(path=str(DOCS_IMG / "village.png"), full_page=True)
    page = new_page(browser, live_server)
    log_in(page, "gridworker")
    page.goto(f"/areas/{data['grids'][0].code}/board/")
    page.screenshot(path=str(DOCS_IMG / "board.png"), full_page=True)
    phone = new_page(browser, live_server, width=360, height=740, mobile=True)
    log_in(phone, "gridworker")
    phone.goto(f"/people/?area={data['grids'][0].code}")
    phone.screenshot(path=str(DOCS_IMG / "phone-persons.png"))
    assert (DOCS_IMG / "board.png").stat().st_size > 10_000
