"""Mass testing's contribution to health codes (a status provider, registered in TestingConfig.ready).

- `negative_within_24h`, `_48h`, `_72h`: the person's last negative tube was sampled that recently (核酸时效
  counts from the sampling time, as venues checked it in 2022);
- `test_pending`: a sample of the last 72 hours whose tube has no result yet.

None of these colours a code in the shipped profiles: they are what a venue or checkpoint that requires a recent
test reads. Both forms below (ORM and SQL) give the same pairs (tests/testing/test_recency.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection
from django.db.models import Max

from fangkong.healthcodes.providers import Moment

from .models import Result, Tube, TubeSample

RECENCY_HOURS = (24, 48, 72)
PENDING_HOURS = 72
PENDING = "test_pending"


def recency_status(hours: int) -> str:
    return f"negative_within_{hours}h"


class TestingStatuses:
    name = "testing"

    def statuses_of(self, person_ids: Sequence[int], moment: Moment):
        oldest = moment.now - dt.timedelta(hours=max(RECENCY_HOURS))
        last = (TubeSample.objects.filter(person_id__in=person_ids, taken_at__gte=oldest, taken_at__lte=moment.now,
                                          tube__result__outcome=Result.Outcome.NEGATIVE)
                .values("person_id").annotate(last=Max("taken_at")))
        for row in last:
            for hours in RECENCY_HOURS:
                if row["last"] >= moment.now - dt.timedelta(hours=hours):
                    yield row["person_id"], recency_status(hours)
        pending = (TubeSample.objects.filter(person_id__in=person_ids,
                                             taken_at__gte=moment.now - dt.timedelta(hours=PENDING_HOURS),
                                             taken_at__lte=moment.now)
                   .exclude(tube__state=Tube.State.RESULTED).values_list("person_id", flat=True).distinct())
        for person_id in pending:
            yield person_id, PENDING

    def statuses_sql(self, moment: Moment) -> tuple[str, list]:
        quote = connection.ops.quote_name
        samples, tubes, results = (quote(m._meta.db_table) for m in (TubeSample, Tube, Result))
        parts, params = [], []
        for hours in RECENCY_HOURS:
            parts.append(
                f"SELECT DISTINCT s.person_id, %s::text AS status FROM {samples} s "  # noqa: S608 - names, not input
                f"JOIN {results} r ON r.tube_id = s.tube_id WHERE r.outcome = %s AND s.taken_at >= %s "
                "AND s.taken_at <= %s")
            params += [recency_status(hours), Result.Outcome.NEGATIVE, moment.now - dt.timedelta(hours=hours),
                       moment.now]
        parts.append(
            f"SELECT DISTINCT s.person_id, %s::text FROM {samples} s JOIN {tubes} t ON t.id = s.tube_id "  # noqa: S608
            "WHERE t.state <> %s AND s.taken_at >= %s AND s.taken_at <= %s")
        params += [PENDING, Tube.State.RESULTED, moment.now - dt.timedelta(hours=PENDING_HOURS), moment.now]
        return " UNION ALL ".join(parts), params
