import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from fangkong.areas import selectors, services
from fangkong.areas.rules import daily_gaps, uncovered

TZ = ZoneInfo("Asia/Shanghai")
DAY = dt.datetime(2026, 11, 23, tzinfo=TZ)


def at(hours: float) -> dt.datetime:
    return DAY + dt.timedelta(minutes=round(hours * 60))


minutes = st.integers(min_value=-600, max_value=2040)  # from 10 h before the day to 10 h after
shifts_strategy = st.lists(
    st.tuples(minutes, st.integers(min_value=0, max_value=900)).map(
        lambda t: (DAY + dt.timedelta(minutes=t[0]), DAY + dt.timedelta(minutes=t[0] + t[1]))
    ),
    max_size=12,
)


def covered_by(shifts, moment) -> bool:
    return any(s <= moment < e for s, e in shifts)


@given(shifts_strategy, st.integers(min_value=0, max_value=1439))
def test_a_minute_is_in_a_gap_exactly_when_no_shift_covers_it(shifts, minute):
    moment = DAY + dt.timedelta(minutes=minute)
    gaps = uncovered(shifts, DAY, DAY + dt.timedelta(days=1))
    assert covered_by(gaps, moment) == (not covered_by(shifts, moment))


@given(shifts_strategy)
def test_gaps_are_ordered_disjoint_non_empty_and_inside_the_day(shifts):
    end = DAY + dt.timedelta(days=1)
    gaps = uncovered(shifts, DAY, end)
    for s, e in gaps:
        assert DAY <= s < e <= end
    for (_, e1), (s2, _) in zip(gaps, gaps[1:], strict=False):
        assert e1 < s2  # touching gaps would have been one gap


@given(shifts_strategy)
def test_gaps_plus_covered_time_make_the_whole_day(shifts):
    end = DAY + dt.timedelta(days=1)
    gap_minutes = sum((e - s).total_seconds() / 60 for s, e in uncovered(shifts, DAY, end))
    covered = sum(1 for m in range(1440) if covered_by(shifts, DAY + dt.timedelta(minutes=m)))
    assert gap_minutes + covered == 1440


def test_three_eight_hour_shifts_cover_the_day():
    assert uncovered([(at(0), at(8)), (at(8), at(16)), (at(16), at(24))], at(0), at(24)) == []


def test_a_missing_night_shift_is_reported():
    assert uncovered([(at(8), at(16)), (at(16), at(24))], at(0), at(24)) == [(at(0), at(8))]


def test_a_shift_from_the_evening_before_covers_the_early_hours():
    days = daily_gaps([(at(-4), at(8)), (at(8), at(20))], [DAY.date()], TZ)
    assert days[DAY.date()] == [(at(20), at(24))]


def test_an_empty_roster_leaves_the_whole_day_uncovered():
    assert uncovered([], at(0), at(24)) == [(at(0), at(24))]


def test_it_rejects_a_shift_that_ends_before_it_starts(tree, city_user):
    with pytest.raises(ValidationError):
        services.duty_shift_add(user=city_user, area=tree["city"], starts_at=at(8), ends_at=at(7), name="张三", phone="13700000000")


def test_it_rejects_a_shift_without_a_mobile(tree, city_user):
    with pytest.raises(ValidationError) as exc:
        services.duty_shift_add(user=city_user, area=tree["city"], starts_at=at(8), ends_at=at(16), name="张三", phone="abc")
    assert "phone" in exc.value.error_dict


def test_the_week_lists_shifts_and_flags_each_days_gaps(tree, city_user):
    monday = DAY.date() - dt.timedelta(days=DAY.weekday())
    start = dt.datetime.combine(monday, dt.time.min, tzinfo=TZ)
    for d in range(7):
        for h in (0, 8, 16):
            if d == 2 and h == 0:
                continue  # Wednesday night nobody is on duty
            services.duty_shift_add(
                user=city_user, area=tree["city"], starts_at=start + dt.timedelta(days=d, hours=h),
                ends_at=start + dt.timedelta(days=d, hours=h + 8), name=f"值班{d}{h}", phone="13700000000",
            )
    week = selectors.roster_week(user=city_user, area=tree["city"], week_start=monday)
    assert len(week["shifts"]) == 20
    flagged = {day: gaps for day, gaps in week["gaps"].items() if gaps}
    wednesday = monday + dt.timedelta(days=2)
    assert list(flagged) == [wednesday]
    assert flagged[wednesday] == [(start + dt.timedelta(days=2), start + dt.timedelta(days=2, hours=8))]


def test_the_roster_page_adds_an_overnight_shift_and_shows_gaps(client, tree, city_user):
    client.force_login(city_user)
    url = reverse("areas:roster", args=[tree["county_a"].code])
    response = client.post(url, {"date": "2026-11-24", "start": "20:00", "end": "08:00", "name": "夜班", "phone": "13700000000"})
    assert response.status_code == 302
    page = client.get(url, {"week": "2026-11-24"})
    body = page.content.decode()
    assert "夜班" in body and 'class="gap"' in body
    tuesday = next(d for d in page.context["days"] if d["day"] == dt.date(2026, 11, 24))
    assert [(g[0].astimezone(TZ).hour, g[1].astimezone(TZ).hour) for g in tuesday["gaps"]] == [(0, 20)]


def test_another_areas_roster_is_not_found(client, tree, user_a):
    client.force_login(user_a)
    assert client.get(reverse("areas:roster", args=[tree["county_b"].code])).status_code == 404
