"""The audit page: the city command and auditors search the logs of their area; others are refused."""

from __future__ import annotations

import pytest
from django.db import transaction

from fangkong.core import audit
from fangkong.core.models import AccessLog, AuditEvent
from tests.conftest import make_user


@pytest.fixture
def events(tree):
    writer = make_user("w", tree["county_a"].code, "district")
    with transaction.atomic():
        audit.record(writer, "people.person.update", object_type="person", object_id="11",
                     area_code=tree["grid_a"].code, reason="=HYPERLINK(\"x\")")
        audit.record(writer, "people.person.update", object_type="person", object_id="22",
                     area_code=tree["grid_b"].code, reason="乙县的事")
    return writer


def test_an_auditor_of_another_county_sees_none_of_its_events(client, tree, events):
    client.force_login(make_user("aud-b", tree["county_b"].code, "auditor"))
    page = client.get("/audit/").content.decode()
    assert "乙县的事" in page and "HYPERLINK" not in page
    # Only county B's events (tests that commit may have left others of B behind), and ours among them.
    shown = client.get("/audit/").context["page"].object_list
    assert all(e.area_code.startswith(tree["county_b"].code) for e in shown)
    assert [e.object_id for e in shown if e.reason == "乙县的事"] == ["22"]
    # The access log names no area: a county auditor gets nothing of it.
    AccessLog.objects.create(username="someone", action="view_unmasked", object_type="person", object_id="11")
    assert not client.get("/audit/", {"log": "access"}).context["page"].object_list


def test_read_only_and_grid_workers_are_refused(client, tree, events):
    for role in ("read_only", "grid_worker", "lab"):
        client.force_login(make_user(f"x-{role}", tree["county_a"].code, role))
        assert client.get("/audit/").status_code == 403


def test_the_city_command_exports_a_formula_safe_csv_and_the_search_is_logged(client, tree, events):
    client.force_login(make_user("chief", tree["city"].code, "city_command"))
    response = client.get("/audit/", {"log": "audit", "export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "乙县的事" in text
    assert AccessLog.objects.filter(username="chief", action="export", object_type="audit_log").exists()


def test_the_admin_refuses_to_change_or_delete_an_event(client, tree, events):
    admin = make_user("root", "", "city_command", is_staff=True, is_superuser=True)
    client.force_login(admin)
    event = AuditEvent.objects.first()
    assert client.get(f"/admin/core/auditevent/{event.pk}/delete/").status_code == 403
    client.post(f"/admin/core/auditevent/{event.pk}/change/", {"reason": "edited"})
    event.refresh_from_db()
    assert event.reason != "edited"
