"""The Content-Security-Policy holds on the main pages: a real browser reports no violation.

Chromium logs every blocked inline script, inline handler, inline style, eval and foreign source
to the console ("Refused to …"), and fires `securitypolicyviolation`; either fails the test.
"""

from __future__ import annotations

import pytest

from fangkong.people.models import Person
from tests.conftest import make_user
from tests.web.city import populate
from tests.web.conftest import log_in, new_page

pytestmark = pytest.mark.browser

WATCH = """document.addEventListener("securitypolicyviolation", function (e) {
  (window.__csp = window.__csp || []).push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});"""


def watched_page(browser, live_server):
    page = new_page(browser, live_server)
    page.add_init_script(WATCH)  # injected by the browser's debugging protocol, not subject to the policy
    page.console_problems = []
    page.on("console", lambda m: page.console_problems.append(m.text)
            if "Content Security Policy" in m.text or "Refused to" in m.text else None)
    page.on("pageerror", lambda e: page.console_problems.append(str(e)))
    return page


def violations(page, path: str) -> list[str]:
    response = page.goto(path)
    assert response is not None and "default-src 'self'" in response.headers.get("content-security-policy", ""), path
    page.wait_for_load_state("load")
    return [*page.console_problems, *(page.evaluate("window.__csp || []"))]


def test_the_main_pages_break_no_rule_of_the_policy(browser, live_server, tree):
    populate(tree, households_per_grid=2)
    make_user("chief", tree["city"].code, "city_command")
    page = watched_page(browser, live_server)
    assert violations(page, "/accounts/login/") == []
    assert violations(page, "/admin/login/") == []
    log_in(page, "chief")
    person = Person.objects.filter(area_code__startswith=tree["county_a"].code).first()
    county, grid = tree["county_a"].code, tree["grid_a"].code
    paths = ["/", "/areas/", f"/areas/{county}/", f"/areas/{grid}/board/", f"/areas/{county}/roster/",
             "/people/", "/people/households/", f"/people/{person.pk}/", "/people/import/", "/areas/unassigned/",
             "/control/today/", "/control/escalations/", "/control/risk-areas/", "/control/arrivals/import/",
             "/control/checkpoints/", "/control/gatherings/", "/control/gatherings/new/", "/control/declare/posters/",
             f"/control/declare/posters/{tree['village_a'].code}/", "/no-such-page/", "/api/v1/docs"]
    found = {path: problems for path in paths if (problems := violations(page, path))}
    # The QR poster prints the public declaration link: a page for residents, with its own base template.
    page.goto(f"/control/declare/posters/{tree['village_a'].code}/")
    public = page.locator("article.poster-sheet p.url").inner_text()
    assert "/d/" in public
    if problems := violations(page, public):
        found["public declaration"] = problems
    assert found == {}
    assert page.external_requests == []


def test_the_language_switch_still_works_without_its_inline_handler(browser, live_server, tree):
    make_user("chief", tree["city"].code, "city_command")
    page = watched_page(browser, live_server)
    log_in(page, "chief")
    page.select_option("form.lang select[name=language]", "en")
    page.wait_for_selector("html[lang=en]")
    assert page.console_problems == []
