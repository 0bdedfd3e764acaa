"""Generated: every page of the UI, with hostile values in every query parameter the views read, answers the page
(ignoring or naming the bad value) with a 2xx/3xx/4xx, never a 500 (issue 11 §7).

Routes come from Django's resolver (the API and the admin excepted: the API has its schema and the fuzz test,
tests/api/test_fuzz.py). The parameters come from the views' own source: every `request.GET.get("…")`,
`request.GET["…"]` and the fields of a form bound to `request.GET`, so a new page or a new parameter is covered
without editing this file. A route whose URL names an area takes the walker's own county; a route whose URL
names a record by number is left to the scoping walk (tests/test_scoping_walk.py), which requests each.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

import fangkong
from fangkong.people import services
from tests.conftest import make_id_number, make_user

HOSTILE = [
    "²", "٣", "abc", "-1", "0", "1e9", "99999999999999999999", "9999-12", "0000-00", "9999-12-31", "0001-01-01",
    "2024-02-30", "\x00", "'\"<>;--", "%", "\u202e\u200b", "a" * 3000, " ",
]
# One by one, the values most likely to reach a parser: numbers that int() or the database refuse, dates
# at the ends of the calendar, NUL (PostgreSQL refuses it in text), an overlong value.
ONE_BY_ONE = ["²", "-1", "99999999999999999999", "9999-12", "0001-01-01", "\x00", "a" * 3000]
SKIPPED_NAMESPACES = {"admin", "api"}
SRC = Path(fangkong.__file__).parent
_READS = re.compile(r"""GET(?:\.get|\.getlist)?[\[(]\s*["']([a-z_]+)["']""")


def query_parameters() -> set[str]:
    """Every query parameter a view reads, from the views' source, plus the fields of forms bound to GET."""
    names: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        names.update(_READS.findall(text))
    from fangkong.core.audit_views import AuditSearch

    names.update(AuditSearch.base_fields)
    return names


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace in SKIPPED_NAMESPACES:
                continue
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ":".join(x for x in (namespace, p.namespace) if x))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def _params_of(callback, every: set[str]) -> set[str]:
    """The parameters named in the view's module (a view reads through helpers next to it)."""
    module = importlib.import_module(getattr(callback, "__module__", ""))
    try:
        text = inspect.getsource(module)
    except (OSError, TypeError):
        return every
    return {name for name in every if f'"{name}"' in text or f"'{name}'" in text} or every


def ui_routes(county_code: str) -> list[tuple[str, set[str]]]:
    every = query_parameters()
    routes = []
    for route, callback in _walk(get_resolver().url_patterns):
        if route.startswith(("api/", "admin/", "static/")) or route.startswith("^"):
            continue
        kwargs = re.findall(r"<(?:(\w+):)?(\w+)>", route)
        if any(name != "code" for _, name in kwargs):
            continue  # a record by number: the scoping walk requests each with its sample
        url = "/" + re.sub(r"<(?:\w+:)?code>", county_code, route)
        routes.append((url, _params_of(callback, every)))
    return routes


@pytest.fixture
def walker(tree):
    user = make_user("walker", tree["city"].code, "district")
    household = services.household_create(user=user, area=tree["grid_a"], address="一号楼")
    services.person_create(user=user, household=household, name="样本", id_number=make_id_number(), phone="13800001111")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_the_walk_finds_the_pages_and_their_parameters(tree):
    routes = dict(ui_routes(tree["county_a"].code))
    assert {"/people/", "/control/gatherings/calendar/"} <= set(routes)
    assert {"q", "household", "area", "page", "month", "on", "week"} <= query_parameters()


def test_no_page_answers_500_to_hostile_query_parameters(walker, tree):
    failures = []
    for url, params in ui_routes(tree["county_a"].code):
        asks = [{name: value for name in params} for value in HOSTILE]  # all at once
        asks += [{name: value} for name in sorted(params) for value in ONE_BY_ONE]  # and one by one
        for ask in asks:
            response = walker.get(url, ask)
            if response.status_code >= 500:
                failures.append(f"{url} {ask!r:.80} -> {response.status_code}")
    assert not failures, f"{len(failures)} answers were 5xx:\n" + "\n".join(failures[:40])
