"""Browser fixtures: Debian's chromium driven by Playwright for Python against pytest-django's live server."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

from tests.conftest import need_or_skip

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PASSWORD = "correct-horse-battery"


class OneRequestAtATime(ThreadedWSGIServer):
    """The live server, running one request's application code at a time.

    On SQLite the test database lives in memory, and the server's threads share its one
    connection: two requests at once (a place search still in flight when the form is posted)
    interleaved their savepoints and failed with "no such savepoint". Connections are still read
    in threads, so a browser's kept-alive connection does not hold the others up.
    """

    def set_app(self, application):
        lock = threading.Lock()

        def serial(environ, start_response):
            with lock:
                return application(environ, start_response)

        super().set_app(serial)


LiveServerThread.server_class = OneRequestAtATime


@pytest.fixture
def browser(monkeypatch, transactional_db, live_server):
    need_or_skip(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # (fixtures, assertions on the access log) are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()
        # Connections opened while Playwright ran live in its context: close them here, or
        # PostgreSQL refuses to drop the test database at the end of the session.
        connections.close_all()


def new_page(browser, live_server, *, width=1280, height=800, mobile=False):
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", is_mobile=mobile, has_touch=mobile,
        base_url=live_server.url, device_scale_factor=1,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.external_requests = external
    return page


def log_in(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_selector("header nav")
