"""The sign-in lockout (django-axes) answers 429 with Retry-After, on our page, in the user's language."""

from __future__ import annotations

from django.test import Client


def test_a_locked_out_sign_in_says_when_to_come_back(user_a, settings):
    settings.AXES_COOLOFF_TIME = 0.5  # hours
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        r = client.post("/accounts/login/", {"username": "alice", "password": "wrong-password"})
    assert r.status_code == 429
    assert r["Retry-After"] == "1800"
    body = r.content.decode()
    assert "Try again in 30 minutes" in body and "fangkong/site.css" in body
