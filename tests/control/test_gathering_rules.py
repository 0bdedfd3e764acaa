"""The pure rules of gathering applications: who decides, event days, plan files (no database)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from fangkong.gatherings import rules

SHANGHAI = ZoneInfo("Asia/Shanghai")
LENGTHS = (2, 4, 6, 9, 12, 15, 18)
digits = st.text(alphabet="0123456789", min_size=18, max_size=18)


@given(path=digits, event_len=st.sampled_from(LENGTHS), user_len=st.sampled_from(LENGTHS), other=digits,
       same_chain=st.booleans())
def test_a_user_decides_only_from_strictly_above_the_events_village_or_higher_node(path, event_len, user_len, other,
                                                                                  same_chain):
    event = path[:event_len]
    user = (path if same_chain else other)[:user_len]
    decided_at = rules.approver_code(event)
    if event_len <= 4:
        assert decided_at is None  # a city or province has nobody above it in the city's platform
        return
    node = event[:min(event_len, 12)]  # a grid or building counts as its village
    # Where the user stands (the role is the permission policy's: control.gathering.decide).
    expected = node.startswith(user) and len(user) < len(node)
    assert rules.may_decide(user_area_code=user, decided_at=decided_at) == expected


def test_the_level_above_is_the_township_for_a_village_grid_or_building():
    assert rules.approver_code("411402001001") == "411402001"
    assert rules.approver_code("411402001001002") == "411402001"
    assert rules.approver_code("411402001001002003") == "411402001"
    assert rules.approver_code("411402001") == "411402"
    assert rules.approver_code("411402") == "4114"
    assert rules.approver_code("4114") is None


def test_a_superuser_decides_anything_and_an_unbound_user_nothing():
    assert rules.may_decide(user_area_code="", decided_at="411402001", is_superuser=True)
    assert not rules.may_decide(user_area_code="", decided_at="411402001")


@given(start=st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 1, 1), timezones=st.just(SHANGHAI)),
       minutes=st.integers(1, 31 * 24 * 60))
def test_event_days_span_from_the_local_start_date_to_the_last_minute(start, minutes):
    end = start + dt.timedelta(minutes=minutes)
    first, last = rules.event_days(start, end, SHANGHAI)
    assert first == start.date()
    assert last == (end - dt.timedelta(microseconds=1)).date()
    assert first <= last


def test_an_event_ending_at_midnight_does_not_touch_the_next_day():
    start = dt.datetime(2026, 5, 1, 18, tzinfo=SHANGHAI)
    assert rules.event_days(start, dt.datetime(2026, 5, 2, tzinfo=SHANGHAI), SHANGHAI) == (dt.date(2026, 5, 1),) * 2


def _zip(names: list[str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buf.getvalue()


def test_plan_files_are_recognised_by_their_bytes():
    assert rules.sniff_plan_file(b"%PDF-1.7\n...") == "application/pdf"
    assert rules.sniff_plan_file(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert rules.sniff_plan_file(b"\xff\xd8\xff\xe0....") == "image/jpeg"
    assert rules.sniff_plan_file(_zip(["[Content_Types].xml", "word/document.xml"])).endswith("wordprocessingml.document")
    assert rules.sniff_plan_file(_zip(["[Content_Types].xml", "xl/workbook.xml"])) is None
    assert rules.sniff_plan_file(b"PK\x03\x04 not really a zip") is None
    assert rules.sniff_plan_file(b"MZ\x90\x00 an executable") is None
    assert rules.sniff_plan_file(b"<html><script>") is None


@given(name=st.text(max_size=300), content_type=st.sampled_from(sorted(rules.PLAN_FILE_TYPES)))
def test_a_cleaned_file_name_has_no_path_or_control_characters_and_the_right_extension(name, content_type):
    cleaned = rules.clean_file_name(name, content_type)
    assert cleaned and len(cleaned) <= 110
    assert not any(c in cleaned for c in '/\\:*?"<>|') and not any(ord(c) < 32 or ord(c) == 127 for c in cleaned)
    ext = rules.PLAN_FILE_TYPES[content_type]
    assert cleaned.lower().endswith(ext) or (ext == ".jpg" and cleaned.lower().endswith(".jpeg"))


def test_a_name_keeps_its_own_extension_when_it_matches_and_gets_one_when_it_does_not():
    assert rules.clean_file_name("C:\\Users\\王\\防疫方案.PDF", "application/pdf") == "防疫方案.PDF"
    assert rules.clean_file_name("方案.exe", "application/pdf") == "方案.exe.pdf"
    assert rules.clean_file_name("", "image/png") == "plan.png"
