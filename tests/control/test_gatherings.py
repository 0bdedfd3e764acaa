"""Gathering applications (聚集性活动报批): who decides, the 50-person floor, risk areas, states, files, calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.core.errors import InvalidInput, NotAllowed
from fangkong.core.models import AccessLog
from fangkong.gatherings import selectors as gatherings_selectors
from fangkong.gatherings import services as gatherings_services
from fangkong.gatherings.models import Gathering
from fangkong.risk import selectors as risk_selectors
from fangkong.risk.models import RiskArea
from tests.conftest import make_user

TZ = timezone.get_default_timezone()
PHONE = "13912345678"


def soon(days: int = 3, hour: int = 10) -> dt.datetime:
    day = timezone.now().astimezone(TZ).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


@pytest.fixture
def people(tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # ten users; hashing is not tested here
    return {
        "applicant": make_user("wang", tree["village_a"].code, "grid_worker"),
        "township": make_user("tina", tree["town_a"].code, "township"),
        "district": make_user("dan", tree["county_a"].code, "district"),
        "city": make_user("chief", tree["city"].code, "city_command"),
        "other_district": make_user("olga", tree["county_b"].code, "district"),
        "village_cmd": make_user("vic", tree["village_a"].code, "township"),
        "grid_cmd": make_user("gus", tree["grid_a"].code, "township"),
        "reader": make_user("rita", tree["village_a"].code, "read_only"),
        "town_worker": make_user("tom", tree["town_a"].code, "grid_worker"),
        "county_worker": make_user("cora", tree["county_a"].code, "grid_worker"),
    }


def submit(by, area, **extra) -> Gathering:
    start = extra.pop("starts_at", soon())
    values = {
        "title": "王家婚宴", "kind": "wedding", "organiser": "王某某", "contact_name": "王五", "contact_phone": PHONE,
        "venue": "村文化广场", "starts_at": start, "ends_at": start + dt.timedelta(hours=5), "expected_attendance": 180,
        "plan_text": "入口验码测温，佩戴口罩，登记来宾，设防疫专员。", "measures": ["scan_codes", "temperature", "registration"],
    }
    values.update(extra)
    return gatherings_services.gathering_submit(by=by, area=area, **values)


# --- who decides: the level above the event's area -----------------------------------------------


def test_a_village_event_is_approved_by_its_township_with_history(tree, people):
    g = submit(people["applicant"], tree["village_a"])
    assert g.status == "submitted" and g.approver_code == tree["town_a"].code
    g = gatherings_services.gathering_approve(by=people["township"], gathering=g)
    assert g.status == "approved" and g.decided_by == people["township"]
    assert [(s.status, s.by_name) for s in g.steps.all()] == [("submitted", "wang"), ("approved", "tina")]


def test_a_grid_event_is_decided_by_the_township_of_its_village(tree, people):
    g = submit(people["applicant"], tree["grid_a"])
    assert g.approver_code == tree["town_a"].code
    assert gatherings_services.gathering_approve(by=people["township"], gathering=g).status == "approved"


def test_a_township_event_is_decided_by_the_county_not_by_the_township(tree, people):
    g = submit(people["town_worker"], tree["town_a"])
    with pytest.raises(NotAllowed, match="decided by 梁园区"):
        gatherings_services.gathering_approve(by=people["township"], gathering=g)
    assert gatherings_services.gathering_approve(by=people["district"], gathering=g).status == "approved"


def test_a_county_event_is_decided_by_the_city(tree, people):
    g = submit(people["county_worker"], tree["county_a"])
    with pytest.raises(PermissionDenied):
        gatherings_services.gathering_approve(by=people["district"], gathering=g)
    assert gatherings_services.gathering_approve(by=people["city"], gathering=g).status == "approved"


def test_a_city_wide_event_is_refused_naming_the_area(tree, people):
    with pytest.raises(InvalidInput) as info:
        submit(people["city"], tree["city"])
    assert "province" in info.value.errors["area_code"]


def test_users_at_the_events_level_or_below_cannot_approve(tree, people):
    village = submit(people["applicant"], tree["village_a"])
    with pytest.raises(NotAllowed, match="level or below"):
        gatherings_services.gathering_approve(by=people["village_cmd"], gathering=village)
    with pytest.raises(Http404):  # a grid's user does not even see its village's events
        gatherings_services.gathering_approve(by=people["grid_cmd"], gathering=village)
    grid = submit(people["applicant"], tree["grid_a"])
    for user in (people["village_cmd"], people["grid_cmd"]):
        with pytest.raises(NotAllowed, match="level or below"):
            gatherings_services.gathering_approve(by=user, gathering=grid)
    assert set(Gathering.objects.values_list("status", flat=True)) == {"submitted"}


def test_an_approver_outside_the_chain_gets_404(tree, people):
    g = submit(people["applicant"], tree["village_a"])
    with pytest.raises(Http404):
        gatherings_selectors.gathering_get(user=people["other_district"], pk=g.pk)
    with pytest.raises(Http404):
        gatherings_services.gathering_approve(by=people["other_district"], gathering=g)


def test_the_applicant_cannot_decide_their_own_application(tree, people):
    g = submit(people["township"], tree["village_a"])
    with pytest.raises(NotAllowed, match="own application"):
        gatherings_services.gathering_approve(by=people["township"], gathering=g)


def test_a_read_only_role_cannot_apply(tree, people):
    with pytest.raises(PermissionDenied):
        submit(people["reader"], tree["village_a"])


LEVEL_LENGTHS = (4, 6, 9, 12, 15)  # city, county, township, village, grid in the fixture tree


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event_len=st.sampled_from((6, 9, 12, 15)), decider_len=st.sampled_from(LEVEL_LENGTHS),
       decider_county=st.sampled_from(("a", "b")),
       role=st.sampled_from(("city_command", "district", "township", "grid_worker", "cdc", "read_only")))
def test_only_a_command_user_above_the_events_level_on_its_chain_decides(tree, people, event_len, decider_len,
                                                                       decider_county, role):
    """Over random positions in the tree: 404 off the chain; allowed iff a command role strictly above
    the event's village-or-higher node; refused (403) at its level or below."""
    nodes = {len(n.code): n for key, n in tree.items() if key.endswith("_a") or key == "city"}
    others = {len(n.code): n for key, n in tree.items() if key.endswith("_b") or key == "city"}
    event_node = nodes[event_len]
    decider_code = (nodes if decider_county == "a" else others)[decider_len].code
    decider, _ = type(people["city"]).objects.get_or_create(username=f"d-{decider_code}-{role}",
                                                             defaults={"area_code": decider_code, "role": role})
    g = submit(people["city"], event_node)
    effective = event_node.code[:min(len(event_node.code), 12)]
    on_chain = event_node.code.startswith(decider_code)
    decides = role in {"city_command", "district", "township"}  # the permission policy: control.gathering.decide
    expected_allowed = decides and len(decider_code) < len(effective)
    if not decides:  # refused by role before the area is looked at (403, not 404)
        with pytest.raises(PermissionDenied):
            gatherings_services.gathering_approve(by=decider, gathering=g)
    elif not on_chain:
        with pytest.raises(Http404):
            gatherings_services.gathering_approve(by=decider, gathering=g)
    elif expected_allowed:
        assert gatherings_services.gathering_approve(by=decider, gathering=g).status == "approved"
    else:
        with pytest.raises(PermissionDenied):
            gatherings_services.gathering_approve(by=decider, gathering=g)
    assert (g.pk in set(gatherings_selectors.gatherings_pending(user=decider).values_list("pk", flat=True))) == (
        on_chain and expected_allowed and Gathering.objects.get(pk=g.pk).status == "submitted")


# --- the 50-person floor and other input ---------------------------------------------------------


def test_50_people_or_fewer_are_refused_saying_no_application_is_needed(tree, people):
    for n in (0, 30, 50):
        with pytest.raises(InvalidInput) as info:
            submit(people["applicant"], tree["village_a"], expected_attendance=n)
        assert "need no application" in info.value.errors["expected_attendance"]
    assert not Gathering.objects.exists()
    assert submit(people["applicant"], tree["village_a"], expected_attendance=51).expected_attendance == 51


def test_bad_input_names_every_field_and_writes_nothing(tree, people):
    start = soon()
    with pytest.raises(InvalidInput) as info:
        submit(people["applicant"], tree["village_a"], title=" ", kind="rave", contact_phone="12345",
               ends_at=start - dt.timedelta(hours=1), starts_at=start, plan_text="", measures=["prayer"])
    assert set(info.value.errors) >= {"title", "kind", "contact_phone", "ends_at", "plan_text", "measures"}
    assert not Gathering.objects.exists()


def test_an_event_starting_in_the_past_or_longer_than_a_month_is_refused(tree, people):
    with pytest.raises(InvalidInput) as info:
        submit(people["applicant"], tree["village_a"], starts_at=timezone.now() - dt.timedelta(hours=1))
    assert "future" in info.value.errors["starts_at"]
    with pytest.raises(InvalidInput) as info:
        submit(people["applicant"], tree["village_a"], ends_at=soon() + dt.timedelta(days=40))
    assert "month by month" in info.value.errors["ends_at"]


def test_the_contact_phone_is_validated_and_not_stored_in_clear(tree, people):
    g = submit(people["applicant"], tree["village_a"], contact_phone="+86 139-1234-5678")
    assert g.contact_phone_masked == "139****5678"
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM control_gathering WHERE id = %s", [g.pk])
        assert not any(PHONE in str(v) for v in cur.fetchone())


def test_the_full_phone_is_shown_to_a_decider_and_logged_but_not_to_others(tree, people):
    g = submit(people["applicant"], tree["village_a"])
    assert gatherings_selectors.gathering_contact_phone(user=people["township"], gathering=g, reason="核实方案") == PHONE
    log = AccessLog.objects.get(object_type="gathering")
    assert (log.username, log.fields, log.reason) == ("tina", "contact_phone", "核实方案")
    assert gatherings_selectors.gathering_contact_phone(user=people["village_cmd"], gathering=g, reason="x") == "139****5678"
    assert AccessLog.objects.count() == 1


# --- risk areas ----------------------------------------------------------------------------------


def risk(code: str, name: str, level: str, starts: dt.date, lifted: dt.date | None = None, zone: str = "") -> RiskArea:
    return RiskArea.objects.create(division_code=code, region_name=name, level=level, zone=zone, starts_on=starts,
                                   lifted_on=lifted)


def test_it_refuses_an_event_in_a_medium_risk_area_with_the_reason(tree, people):
    day = soon().date()
    risk(tree["county_a"].code, "梁园区", "medium", day - dt.timedelta(days=2))
    with pytest.raises(InvalidInput) as info:
        submit(people["applicant"], tree["village_a"])
    reason = info.value.errors["area_code"]
    assert "梁园区" in reason and "Medium risk" in reason and day.isoformat() in reason
    assert not Gathering.objects.exists()


def test_a_sealed_zone_refuses_even_at_low_level_and_a_prevention_zone_does_not(tree, people):
    day = soon().date()
    risk(tree["village_a"].code, "一社区", "low", day, zone="prevention")
    assert submit(people["applicant"], tree["village_a"]).status == "submitted"
    risk(tree["grid_a"].code, "第一网格", "low", day - dt.timedelta(days=1), zone="sealed")
    with pytest.raises(InvalidInput) as info:
        submit(people["applicant"], tree["grid_a"])
    assert "Sealed zone" in info.value.errors["area_code"]


def test_only_the_event_dates_count(tree, people):
    start = soon(days=5, hour=20)
    first, last = start.date(), (start + dt.timedelta(days=1)).date()
    risk(tree["town_a"].code, "一街道", "high", first - dt.timedelta(days=10), lifted=first)  # lifted on the first day
    risk(tree["town_a"].code, "一街道", "high", last + dt.timedelta(days=1))  # starts the day after
    assert submit(people["applicant"], tree["village_a"], starts_at=start, ends_at=start + dt.timedelta(hours=26))
    risk(tree["town_a"].code, "一街道", "medium", last)  # starts on the last day
    with pytest.raises(InvalidInput):
        submit(people["applicant"], tree["village_a"], starts_at=start, ends_at=start + dt.timedelta(hours=26))


def test_a_risk_area_elsewhere_does_not_refuse(tree, people):
    risk(tree["county_b"].code, "睢阳区", "high", soon().date() - dt.timedelta(days=3))
    assert submit(people["applicant"], tree["village_a"]).status == "submitted"


def test_approval_is_refused_when_the_area_became_risky_after_submission(tree, people):
    g = submit(people["applicant"], tree["village_a"])
    risk(tree["village_a"].code, "一社区", "high", soon().date() - dt.timedelta(days=1))
    with pytest.raises(InvalidInput) as info:
        gatherings_services.gathering_approve(by=people["township"], gathering=g)
    assert "一社区" in info.value.errors["area_code"]
    g.refresh_from_db()
    assert g.status == "submitted"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(st.tuples(st.sampled_from(("a_county", "a_town", "a_village", "b_county")),
                                  st.sampled_from(("high", "medium", "low")),
                                  st.sampled_from(("", "sealed", "controlled", "prevention")),
                                  st.integers(-10, 10), st.one_of(st.none(), st.integers(1, 10))), max_size=4),
       first=st.integers(-5, 5), length=st.integers(0, 4))
def test_the_risk_check_agrees_with_the_level_on_each_day(tree, records, first, length):
    """The range query refuses exactly when, on some event day, a record in force (risk_level_on) is
    high or medium, or a sealed or controlled zone."""
    RiskArea.objects.all().delete()
    base = dt.date(2030, 6, 15)
    codes = {"a_county": tree["county_a"].code, "a_town": tree["town_a"].code, "a_village": tree["village_a"].code,
             "b_county": tree["county_b"].code}
    for i, (where, level, zone, start, duration) in enumerate(records):
        starts = base + dt.timedelta(days=start)
        RiskArea.objects.create(division_code=codes[where], region_name=f"r{i}", level=level, zone=zone, starts_on=starts,
                                lifted_on=starts + dt.timedelta(days=duration) if duration else None)
    day1 = base + dt.timedelta(days=first)
    days = [day1 + dt.timedelta(days=n) for n in range(length + 1)]
    per_day = any(r.level in ("high", "medium") or r.zone in ("sealed", "controlled")
                  for d in days for r in risk_selectors.risk_level_on(on=d, code=tree["grid_a"].code).records)
    blocks = gatherings_selectors.gathering_risk_blocks(area_code=tree["grid_a"].code, first_day=days[0], last_day=days[-1])
    assert bool(blocks) == per_day


# --- states and history ---------------------------------------------------------------------------


def test_a_rejection_needs_a_reason_and_keeps_it(tree, people):
    g = submit(people["applicant"], tree["village_a"])
    with pytest.raises(InvalidInput) as info:
        gatherings_services.gathering_reject(by=people["township"], gathering=g, reason="  ")
    assert "reason" in info.value.errors
    g = gatherings_services.gathering_reject(by=people["township"], gathering=g, reason="方案未落实测温")
    assert (g.status, g.reason) == ("rejected", "方案未落实测温")
    assert g.steps.last().reason == "方案未落实测温"


def test_a_decided_application_cannot_be_decided_again(tree, people):
    g = submit(people["applicant"], tree["village_a"])
    gatherings_services.gathering_approve(by=people["township"], gathering=g)
    with pytest.raises(InvalidInput) as info:
        gatherings_services.gathering_reject(by=people["district"], gathering=g, reason="x")
    assert "already Approved" in info.value.errors["status"]
    with pytest.raises(InvalidInput):
        gatherings_services.gathering_withdraw(by=people["applicant"], gathering=g)


def test_only_the_applicant_withdraws_and_only_before_the_decision(tree, people):
    g = submit(people["applicant"], tree["village_a"])
    with pytest.raises(PermissionDenied):
        gatherings_services.gathering_withdraw(by=people["township"], gathering=g)
    g = gatherings_services.gathering_withdraw(by=people["applicant"], gathering=g, reason="改期")
    assert g.status == "withdrawn"
    with pytest.raises(InvalidInput):
        gatherings_services.gathering_approve(by=people["township"], gathering=g)


def test_an_approved_event_can_be_cancelled_by_the_deciders_with_a_reason(tree, people):
    g = gatherings_services.gathering_approve(by=people["township"], gathering=submit(people["applicant"], tree["village_a"]))
    with pytest.raises(PermissionDenied):
        gatherings_services.gathering_cancel(by=people["village_cmd"], gathering=g, reason="x")
    g = gatherings_services.gathering_cancel(by=people["district"], gathering=g, reason="邻村出现病例")
    assert g.status == "cancelled"
    assert [s.status for s in g.steps.all()] == ["submitted", "approved", "cancelled"]


def test_the_actions_offered_match_the_rules(tree, people):
    g = submit(people["applicant"], tree["village_a"])
    assert gatherings_selectors.gathering_actions(user=people["applicant"], gathering=g) == {"withdraw"}
    assert gatherings_selectors.gathering_actions(user=people["township"], gathering=g) == {"approve", "reject"}
    assert gatherings_selectors.gathering_actions(user=people["village_cmd"], gathering=g) == set()


# --- the plan file --------------------------------------------------------------------------------

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


def test_a_pdf_plan_is_kept_under_a_random_name_with_its_digest(tree, people, settings):
    g = submit(people["applicant"], tree["village_a"],
               plan_file=SimpleUploadedFile("../../etc/方案 v2.pdf", PDF, content_type="application/pdf"))
    assert g.plan_file_name == "方案 v2.pdf" and g.plan_file_type == "application/pdf"
    assert "方案" not in g.plan_file.name and ".." not in g.plan_file.name
    assert g.plan_file_size == len(PDF)
    with g.plan_file.open("rb") as fh:
        assert fh.read() == PDF


def test_a_plan_file_of_another_type_or_too_large_is_refused(tree, people, settings):
    script = SimpleUploadedFile("plan.pdf", b"#!/bin/sh\nrm -rf /\n", content_type="application/pdf")
    with pytest.raises(InvalidInput) as info:
        submit(people["applicant"], tree["village_a"], plan_file=script)
    assert "only PDF" in info.value.errors["plan_file"]
    settings.FANGKONG_PLAN_FILE_MAX_MB = 1
    big = SimpleUploadedFile("plan.pdf", PDF + b"0" * (1024 * 1024), content_type="application/pdf")
    with pytest.raises(InvalidInput) as info:
        submit(people["applicant"], tree["village_a"], plan_file=big)
    assert "limit is 1 MB" in info.value.errors["plan_file"]
    assert not Gathering.objects.exists()


# --- pending list and calendar -------------------------------------------------------------------


def test_the_pending_list_holds_what_the_user_may_decide(tree, people):
    village = submit(people["applicant"], tree["village_a"])
    town = submit(people["town_worker"], tree["town_a"])
    assert list(gatherings_selectors.gatherings_pending(user=people["township"])) == [village]
    assert set(gatherings_selectors.gatherings_pending(user=people["district"])) == {village, town}
    assert not gatherings_selectors.gatherings_pending(user=people["village_cmd"]).exists()
    assert not gatherings_selectors.gatherings_pending(user=people["other_district"]).exists()


def test_the_calendar_puts_an_event_on_every_day_it_touches_and_filters_by_area(tree, people):
    start = soon(days=40, hour=18)
    two_days = gatherings_services.gathering_approve(by=people["township"], gathering=submit(
        people["applicant"], tree["village_a"], starts_at=start, ends_at=start + dt.timedelta(hours=20)))
    gatherings_services.gathering_approve(by=people["district"], gathering=submit(people["town_worker"], tree["town_a"],
                                                                       starts_at=start, title="街道运动会"))
    submit(people["applicant"], tree["village_a"], starts_at=start, title="未批")  # pending: not on the calendar
    month = gatherings_selectors.gathering_calendar(user=people["district"], year=start.year, month=start.month)
    days = {d.day: [e.title for e in d.events] for d in month.busy_days}
    assert days[start.date()] == ["王家婚宴", "街道运动会"]
    if (start + dt.timedelta(days=1)).month == start.month:
        assert days[start.date() + dt.timedelta(days=1)] == ["王家婚宴"]
    assert all(len(week) == 7 for week in month.weeks)
    only_village = gatherings_selectors.gathering_calendar(user=people["district"], year=start.year, month=start.month,
                                                area_code=tree["village_a"].code)
    assert {e.pk for d in only_village.busy_days for e in d.events} == {two_days.pk}
    elsewhere = gatherings_selectors.gathering_calendar(user=people["other_district"], year=start.year, month=start.month)
    assert elsewhere.busy_days == []
