import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from fangkong.core.models import ApiToken


def cli(capsys, *args) -> str:
    call_command("token", *args)
    return capsys.readouterr().out


def test_a_created_token_opens_the_api(user_a, capsys):
    token = cli(capsys, "create", "alice").strip()
    assert token.startswith("fk_")
    r = Client().get("/api/v1/persons", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200


def test_token_list_shows_prefixes_never_tokens(user_a, capsys):
    token = cli(capsys, "create", "alice").strip()
    listed = cli(capsys, "list", "--json")
    assert token not in listed
    rows = json.loads(listed)
    assert [(r["prefix"], r["user"], r["revoked"]) for r in rows] == [(token[:8], "alice", False)]
    assert token[:8] in cli(capsys, "list", "alice")


def test_a_revoked_token_is_refused(user_a, capsys):
    token = cli(capsys, "create", "alice").strip()
    assert "revoked 1 token(s)" in cli(capsys, "revoke", token[:8])
    r = Client().get("/api/v1/persons", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 401
    assert cli(capsys, "list") == ""
    assert token[:8] in cli(capsys, "list", "--all")


def test_it_revokes_every_token_of_a_user(user_a, user_b, capsys):
    cli(capsys, "create", "alice"), cli(capsys, "create", "alice")
    kept = cli(capsys, "create", "bob").strip()
    out = json.loads(cli(capsys, "revoke", "--user", "alice", "--all", "--json"))
    assert len(out["revoked"]) == 2
    assert list(ApiToken.objects.filter(revoked=False).values_list("prefix", flat=True)) == [kept[:8]]


def test_it_refuses_an_unknown_or_too_short_prefix(user_a, capsys):
    with pytest.raises(CommandError, match="no live token"):
        call_command("token", "revoke", "fk_zzzzz")
    with pytest.raises(CommandError, match="8-character prefix"):
        call_command("token", "revoke", "fk_")
