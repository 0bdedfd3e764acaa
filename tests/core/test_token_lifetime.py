"""API tokens stop working API_TOKEN_DAYS after their issue (no migration: counted from created_at)."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from fangkong.core.models import ApiToken


def issued_days_ago(user, days: float) -> str:
    row, token = ApiToken.issue(user)
    ApiToken.objects.filter(pk=row.pk).update(created_at=timezone.now() - dt.timedelta(days=days))
    return token


def persons(token: str):
    return Client().get("/api/v1/persons", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_token_older_than_its_lifetime_answers_401(user_a, settings):
    settings.API_TOKEN_DAYS = 90
    assert persons(issued_days_ago(user_a, 89.9)).status_code == 200
    expired = persons(issued_days_ago(user_a, 90.01))
    assert expired.status_code == 401 and expired.json()["detail"]


def test_the_lifetime_comes_from_the_settings(user_a, settings):
    token = issued_days_ago(user_a, 10)
    settings.API_TOKEN_DAYS = 30
    assert persons(token).status_code == 200
    settings.API_TOKEN_DAYS = 7
    assert persons(token).status_code == 401


def test_token_create_says_when_the_token_expires_and_prints_only_the_token_on_stdout(user_a, settings, capsys):
    settings.API_TOKEN_DAYS = 90
    call_command("token", "create", "alice")
    out, err = capsys.readouterr()
    row = ApiToken.objects.get()
    expires = timezone.localtime(row.created_at + dt.timedelta(days=90))
    assert out.strip().startswith("fk_") and len(out.strip().split()) == 1
    assert f"expires {expires:%Y-%m-%d %H:%M}" in err


def test_token_list_marks_expired_tokens(user_a, settings, capsys):
    issued_days_ago(user_a, 100)
    call_command("token", "list", "alice")
    assert capsys.readouterr().out.rstrip().endswith("expired")
