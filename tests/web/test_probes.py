"""Liveness and readiness probes: what a load balancer asks before sending traffic."""

from django.db import OperationalError

from fangkong.web import views


def test_liveness_answers_without_a_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"


def test_readiness_answers_ok_while_the_database_does(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.content == b"ok"


def test_readiness_says_503_when_the_database_does_not_answer(client, db, monkeypatch, caplog):
    class Unreachable:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(views, "connection", Unreachable())
    response = client.get("/readyz")
    assert response.status_code == 503 and response.content == b"database unavailable"
    assert "database unavailable" in caplog.text
