"""Rate limits kept in the database: counted exactly, per window, shared by every connection."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from fangkong.core import ratelimit
from fangkong.core.models import RateCounter


@pytest.fixture
def clock(monkeypatch):
    moment = {"now": dt.datetime(2022, 6, 1, 8, 0, tzinfo=dt.UTC)}
    monkeypatch.setattr(ratelimit, "now", lambda: moment["now"])
    return moment


def test_it_allows_up_to_the_limit_then_refuses(db, clock):
    verdicts = [ratelimit.hit("r", "1.2.3.4", limit=3, window=60) for _ in range(5)]
    assert [v.allowed for v in verdicts] == [True, True, True, False, False]
    assert verdicts[-1].hits == 5 and 0 < verdicts[-1].retry_after <= 60


def test_a_new_window_starts_from_zero(db, clock):
    for _ in range(3):
        ratelimit.hit("r", "1.2.3.4", limit=2, window=60)
    clock["now"] += dt.timedelta(seconds=60)
    assert ratelimit.hit("r", "1.2.3.4", limit=2, window=60).allowed


def test_subjects_and_rules_are_counted_apart(db, clock):
    for _ in range(2):
        ratelimit.hit("r", "1.2.3.4", limit=1, window=60)
    assert ratelimit.hit("r", "5.6.7.8", limit=1, window=60).allowed
    assert ratelimit.hit("other", "1.2.3.4", limit=1, window=60).allowed


def test_it_stores_no_ip_address_in_clear(db, clock):
    ratelimit.hit("view-ip", "203.0.113.9", limit=5, window=60)
    assert not RateCounter.objects.filter(name__contains="203.0.113").exists()


def test_the_sweep_deletes_ended_windows_only(db, clock, monkeypatch):
    monkeypatch.setattr(ratelimit, "SWEEP_ONE_IN", 10**9)  # no random sweep inside hit() during this test
    ratelimit.hit("r", "a", limit=5, window=60)
    clock["now"] += dt.timedelta(seconds=120)
    ratelimit.hit("r", "b", limit=5, window=60)
    assert ratelimit.sweep() == 1
    assert RateCounter.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_hits_from_concurrent_connections_are_all_counted(clock):
    """Each thread has its own database connection, as each server worker process has: no hit is lost."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"] in ("", ":memory:") or "mode=memory" in str(
            connection.settings_dict["NAME"]):
        pytest.skip("an in-memory SQLite database is not shared between connections")
    threads, per_thread, errors = 4, 25, []

    def work():
        try:
            for _ in range(per_thread):
                ratelimit.hit("race", "same", limit=10**6, window=3600)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    assert RateCounter.objects.get(name=ratelimit.rate_key("race", "same")).hits == threads * per_thread
