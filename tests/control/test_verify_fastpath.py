"""The health-code scan's fast path (control/fastpath.py) must answer exactly as the API route does:
same statuses, bodies, headers and log rows, with the route's own answers for everything it passes on."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from fangkong.core import api_support, ratelimit
from fangkong.core.models import RateCounter
from fangkong.healthcodes.models import HealthCode, Verification
from fangkong.people.services import household_create, person_register
from tests.conftest import make_id_number, make_user

URL = "/api/v1/control/verify"
ID = make_id_number(born="19920202", seq="332")
HEADERS = ("Content-Type", "Cache-Control", "Pragma", "X-Frame-Options", "Content-Language", "Vary",
           "X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy", "Retry-After")
ISO_MILLIS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?(Z|[+-]\d\d:\d\d)")


@pytest.fixture
def scanner(tree, token_for, monkeypatch):
    """A checkpoint user anywhere, a person with a yellow code, and one fixed rate-limit window."""
    monkeypatch.setattr(ratelimit, "now", lambda: dt.datetime(2022, 6, 1, 8, 0, 30, tzinfo=dt.UTC))
    grid = tree["grid_a"]
    household = household_create(user=make_user("cunwei", grid.code, "grid_worker"), area=grid, address="二号楼")
    person = person_register(area=grid, household=household, name="赵六", id_number=ID)
    code = HealthCode.objects.create(person=person, area_code=grid.code, colour="yellow", reasons=["arrival"])
    user = make_user("kakou", tree["county_b"].code, "checkpoint")
    return {"user": user, "headers": token_for(user), "code": code, "person": person}


def scan(client, body, headers, **extra):
    raw = body if isinstance(body, str) else json.dumps(body)
    response = client.post(URL, raw, content_type="application/json", **headers, **extra)
    payload = response.json() if response.get("Content-Type", "").startswith("application/json") else None
    if isinstance(payload, dict) and "at" in payload:
        assert ISO_MILLIS.fullmatch(payload["at"]), payload["at"]
        payload = {**payload, "at": "<time>"}
    return response.status_code, payload, {h: response.get(h) for h in HEADERS}


def both_ways(client, settings, monkeypatch, steps) -> tuple[list, list, dict[bool, int]]:
    """Run `steps(device)` with the fast path on and off: what each answered, and how often the API route
    authenticated a request (the fast path checks tokens itself)."""
    routed = {True: 0, False: 0}
    real = api_support.BearerToken.authenticate

    def counted(self, request, token):
        routed[settings.VERIFY_FAST_PATH] += 1
        return real(self, request, token)

    monkeypatch.setattr(api_support.BearerToken, "authenticate", counted)
    answers = {}
    for on in (True, False):
        settings.VERIFY_FAST_PATH = on
        RateCounter.objects.all().delete()  # the limit counts the user, whichever path: each run starts afresh
        answers[on] = steps("fast" if on else "stack")
    return answers[True], answers[False], routed


def test_a_token_scan_is_answered_the_same_with_and_without_the_fast_path(client, settings, monkeypatch, scanner):
    token, headers = scanner["code"].token, scanner["headers"]

    def steps(device):
        HealthCode.objects.filter(pk=scanner["code"].pk).update(colour="yellow")  # a typed number refreshes it
        return [
            scan(client, {"token": token, "device": device}, headers),
            scan(client, {"token": "no-such-token", "device": device}, headers, HTTP_ACCEPT_LANGUAGE="zh-hans"),
            scan(client, {"token": "no-such-token", "device": device}, headers, HTTP_ACCEPT_LANGUAGE="en"),
            scan(client, {"token": token, "device": device}, {"HTTP_AUTHORIZATION": "Bearer fk_wrong"}),
            scan(client, {"token": token}, headers),
            scan(client, {"token": "", "device": device, "id_number": ID}, headers),
            scan(client, {"token": token, "device": device, "extra": 1}, headers),
            scan(client, "[1, 2]", headers),
        ]

    fast, stack, _calls = both_ways(client, settings, monkeypatch, steps)
    assert fast == stack
    assert [status for status, *_ in fast] == [200, 404, 404, 401, 422, 200, 200, 422]
    assert fast[0][1] == {"colour": "yellow", "name": "赵*", "at": "<time>"}
    assert (fast[1][1]["detail"], fast[2][1]["detail"]) == ("没有该健康码", "no such health code")
    assert fast[0][2]["Cache-Control"] == "no-store" and fast[0][2]["X-Frame-Options"] == "DENY"
    logged = {device: sorted((v.person_id or 0, v.colour, v.verified_by_id) for v in Verification.objects.filter(device=device))
              for device in ("fast", "stack")}
    assert logged["fast"] == logged["stack"]
    person, user = scanner["person"].pk, scanner["user"].pk
    # The typed number refreshes the code (no order: green) before the last good scan. 0: no person.
    assert logged["fast"] == sorted([(person, "yellow", user)] + [(person, "green", user)] * 2 + [(0, "", user)] * 2)


def test_the_fast_path_answers_plain_scans_itself_and_passes_the_rest_on(client, settings, monkeypatch, scanner):
    token, headers = scanner["code"].token, scanner["headers"]

    def steps(device):
        scan(client, {"token": token, "device": device}, headers)  # answered by the fast path when it is on
        scan(client, {"token": "", "device": device, "id_number": ID}, headers)  # always the API route
        return None

    _fast, _stack, routed = both_ways(client, settings, monkeypatch, steps)
    assert routed == {True: 1, False: 2}


def test_over_the_limit_a_scan_is_refused_and_not_logged_either_way(client, settings, monkeypatch, scanner):
    from fangkong.healthcodes import verification

    monkeypatch.setattr(verification, "VERIFY_PER_MINUTE", 3)
    token, headers = scanner["code"].token, scanner["headers"]

    def steps(device):
        return [scan(client, {"token": token, "device": device}, headers) for _ in range(5)]

    fast, stack, _calls = both_ways(client, settings, monkeypatch, steps)
    assert fast == stack
    assert [status for status, _body, _headers in fast] == [200, 200, 200, 429, 429]
    # The window is a minute and the clock stands at its 30th second: come back in 30 s.
    assert [headers["Retry-After"] for _status, _body, headers in fast] == [None, None, None, "30", "30"]
    assert Verification.objects.filter(device="fast").count() == Verification.objects.filter(device="stack").count() == 3


@pytest.mark.parametrize("body", [
    {"token": "abc def", "device": "g"},  # not a QR token's alphabet
    {"token": "x" * 65, "device": "g"},
    {"token": "abc", "device": "大门"},  # a device id outside printable ASCII: the route takes it, unchanged
    {"token": 7, "device": "g"},
    {"token": "abc", "device": "g", "id_number": ID},
])
def test_anything_but_a_plain_token_scan_is_left_to_the_api_route(rf, body):
    from fangkong.healthcodes.fastpath import plain_token_scan

    request = rf.post(URL, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION="Bearer fk_x")
    assert plain_token_scan(request) is None
    good = rf.post(URL, json.dumps({"token": "abc", "device": "g"}), content_type="application/json",
                   HTTP_AUTHORIZATION="Bearer fk_x")
    assert plain_token_scan(good) == ("fk_x", "abc", "g")


def test_a_revoked_token_or_a_deactivated_user_scans_nothing_and_a_good_one_is_marked_used(client, scanner):
    from fangkong.core.models import ApiToken, RateCounter

    token, headers, user = scanner["code"].token, scanner["headers"], scanner["user"]
    api_token = ApiToken.objects.get(user=user)
    ApiToken.objects.filter(pk=api_token.pk).update(revoked=True)
    assert scan(client, {"token": token, "device": "d1"}, headers)[0] == 401
    ApiToken.objects.filter(pk=api_token.pk).update(revoked=False, last_used_at=None)
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert scan(client, {"token": token, "device": "d1"}, headers)[0] == 401
    assert not Verification.objects.exists() and not RateCounter.objects.exists()
    type(user).objects.filter(pk=user.pk).update(is_active=True)
    assert scan(client, {"token": token, "device": "d1"}, headers)[0] == 200
    assert Verification.objects.get().verified_by_id == user.pk and RateCounter.objects.get().hits == 1
    assert ApiToken.objects.get(pk=api_token.pk).last_used_at is not None


@pytest.mark.parametrize("fast_path", [True, False])
def test_an_expired_token_scans_nothing_either_way(client, settings, scanner, fast_path):
    from fangkong.core.models import ApiToken, RateCounter

    settings.VERIFY_FAST_PATH = fast_path
    settings.API_TOKEN_DAYS = 30
    api_token = ApiToken.objects.get(user=scanner["user"])
    body = {"token": scanner["code"].token, "device": "d1"}
    ApiToken.objects.filter(pk=api_token.pk).update(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=30, seconds=1))
    assert scan(client, body, scanner["headers"])[0] == 401
    assert not Verification.objects.exists() and not RateCounter.objects.exists()
    ApiToken.objects.filter(pk=api_token.pk).update(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=29, hours=23))
    assert scan(client, body, scanner["headers"])[0] == 200


def test_on_postgresql_the_scan_is_planned_once_per_connection(client, scanner):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    body = {"token": scanner["code"].token, "device": "gate-7"}
    answers = [scan(client, body, scanner["headers"])[:2] for _ in range(3)]
    assert answers == [(200, {"colour": "yellow", "name": "赵*", "at": "<time>"})] * 3
    assert Verification.objects.filter(device="gate-7").count() == 3
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'WITH holder AS%%'")
        assert cur.fetchone()[0] == 1
