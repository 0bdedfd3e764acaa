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

from .models import RateCounter

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


def hit(rule: str, subject: str, *, limit: int, window: int) -> Verdict:
    """Count one hit of `subject` under `rule`; allowed while the window's count is at most `limit`."""
    epoch = int(now().timestamp())
    bucket = epoch // window
    expires = (bucket + 1) * window
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    # The table name comes from the model, every value is a parameter.
    sql = f"INSERT INTO {table} (name, bucket, hits, expires) VALUES (%s, %s, 1, %s) ON CONFLICT (name, bucket) DO UPDATE SET hits = {table}.hits + 1 RETURNING hits"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [rate_key(rule, subject), bucket, expires])
        hits = cursor.fetchone()[0]
    if secrets.randbelow(SWEEP_ONE_IN) == 0:
        sweep(epoch)
    return Verdict(hits <= limit, hits, limit, max(1, expires - epoch))


def sweep(epoch: int | None = None) -> int:
    """Delete the counters of windows that have ended."""
    epoch = int(now().timestamp()) if epoch is None else epoch
    deleted, _ = RateCounter.objects.filter(expires__lte=epoch).delete()
    return deleted
