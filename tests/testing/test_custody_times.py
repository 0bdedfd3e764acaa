"""Turnaround per site and lab, and tubes stuck at a stage beyond a threshold."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fangkong.testing import selectors, services
from tests.testing.conftest import pool, to_lab


def test_a_closed_tube_left_at_the_site_is_stuck_after_the_threshold(world, user_a, user_b):
    tube = pool(user_a, world["site"], "T0001", world["persons"][:10])  # full, so closed
    pool(user_a, world["site"], "T0002", world["persons"][10:11])  # still open: not late
    later = timezone.now() + dt.timedelta(hours=7)
    late = selectors.stuck_tubes(user=user_a, campaign=world["campaign"], hours=6, now=later)
    assert [t.barcode for t in late] == [tube.barcode]
    assert not selectors.stuck_tubes(user=user_a, campaign=world["campaign"], hours=8, now=later).exists()
    assert not selectors.stuck_tubes(user=user_b, campaign=world["campaign"], hours=6, now=later).exists()


def test_a_received_tube_without_a_result_is_stuck_at_the_lab(world, user_a, lab_user):
    tube = pool(user_a, world["site"], "T0001", world["persons"][:2])
    to_lab(user_a, lab_user, world["site"], world["lab"], [tube])
    late = selectors.stuck_tubes(user=user_a, campaign=world["campaign"], hours=1,
                                 now=timezone.now() + dt.timedelta(hours=2))
    assert [(t.barcode, t.state) for t in late] == [("T0001", "received")]


def test_turnaround_is_the_mean_hours_to_a_result_per_site_and_lab(world, user_a, lab_user):
    tube = pool(user_a, world["site"], "T0001", world["persons"][:2])
    to_lab(user_a, lab_user, world["site"], world["lab"], [tube])
    services.result_record(by=lab_user, tube=tube, outcome="negative", tested_at=tube.collected_at + dt.timedelta(hours=5))
    found = selectors.turnaround(user=user_a, campaign=world["campaign"])
    (site,) = found["sites"]
    assert site.name == "一社区广场" and site.tubes == 1 and 4.99 < site.hours < 5.01
    assert found["labs"][0].name == "第一检测实验室"
