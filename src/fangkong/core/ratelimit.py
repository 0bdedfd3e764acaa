"""Fixed-window rate limits kept in the database, so every server worker process counts the same hits.

One atomic `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` per hit (SQLite 3.35+ and
PostgreSQL alike): concurrent requests in several processes can neither lose a hit nor
both pass the last free slot. What is limited (a client IP, a community, a link) is
stored as a keyed hash, never in clear.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import connection

from fangkong.core.clock import now
from fangkong.core.crypto import lookup_hash
from fangkong.core.models import RateCounter

# One hit in this many also deletes expired windows, so the table stays small without a job.
SWEEP_ONE_IN = 200


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    hits: int
    limit: int
    retry_after: int  # seconds until the window ends


def rate_key(rule: str, subject: str) -> str:
    return f"{rule}:{lookup_hash(f'rate:{rule}:{subject}')[:40]}"


@dataclass(frozen=True)
class Window:
    """The counter one hit goes to: its row's key, and the window's number and end (epoch seconds)."""

    key: str
    bucket: int
    expires: int
    epoch: int

    def verdict(self, hits: int, limit: int) -> Verdict:
        return Verdict(hits <= limit, hits, limit, max(1, self.expires - self.epoch))


def window_of(rule: str, subject: str, window: int, *, plain: bool = False) -> Window:
    """`plain`: the subject is no secret (a user id), stored as it is, so one SQL statement can name it."""
    epoch = int(now().timestamp())
    bucket = epoch // window
    return Window(f"{rule}:{subject}" if plain else rate_key(rule, subject), bucket, (bucket + 1) * window, epoch)


def upsert_sql(only_if: str | None = None, key_sql: str = "%s") -> str:
    """The counting statement (parameters: key, bucket, expires), returning the window's hits.

    Also a data-modifying CTE in statements that count a hit and do their work in one round trip;
    `only_if` names a CTE of that statement without whose row nothing is counted, and `key_sql` may build
    the key from it (its parameters come first).
    """
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    source = f"SELECT {key_sql}, %s, 1, %s FROM {only_if}" if only_if else "VALUES (%s, %s, 1, %s)"  # noqa: S608
    # Table and CTE names come from the code, every value is a parameter.
    return f"INSERT INTO {table} (name, bucket, hits, expires) {source} ON CONFLICT (name, bucket) DO UPDATE SET hits = {table}.hits + 1 RETURNING hits"  # noqa: S608


def counted(win: Window) -> None:
    """After a hit: now and then delete the counters of ended windows, so the table stays small without a job."""
    if secrets.randbelow(SWEEP_ONE_IN) == 0:
        sweep(win.epoch)


def hit(rule: str, subject: str, *, limit: int, window: int, plain: bool = False) -> Verdict:
    """Count one hit of `subject` under `rule`; allowed while the window's count is at most `limit`."""
    win = window_of(rule, subject, window, plain=plain)
    with connection.cursor() as cursor:
        cursor.execute(upsert_sql(), [win.key, win.bucket, win.expires])
        hits = cursor.fetchone()[0]
    counted(win)
    return win.verdict(hits, limit)


def sweep(epoch: int | None = None) -> int:
    """Delete the counters of windows that have ended."""
    epoch = int(now().timestamp()) if epoch is None else epoch
    deleted, _ = RateCounter.objects.filter(expires__lte=epoch).delete()
    return deleted
