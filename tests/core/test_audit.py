"""The audit log: one append-only event per write, in the write's transaction, sensitive values masked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from fangkong.core import audit
from fangkong.core.models import AuditEvent
from fangkong.core.permissions import CLI
from tests.conftest import make_user


@pytest.fixture
def actor(tree):
    return make_user("writer", tree["county_a"].code, "district")


def test_it_records_who_did_what_where_with_numbers_masked(actor):
    with transaction.atomic():
        event = audit.record(actor, "people.person.update", object_type="person", object_id=7, area_code="411402001",
                             changes={"name": ["张三", "张叁"], "id_number": ["41140219900307123X", "411402199003071248"],
                                      "phone": "13812345678", "id_number_sealed": "secret", "id_number_hash": "h"},
                             reason="typo")
    event.refresh_from_db()
    assert (event.actor_id, event.actor_name, event.action) == (actor.pk, "writer", "people.person.update")
    assert event.changes["name"] == ["张三", "张叁"]
    assert "19900307" not in str(event.changes) and "12345678" not in str(event.changes)
    assert "id_number_sealed" not in event.changes and "id_number_hash" not in event.changes


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_write_outside_the_writers_transaction(actor):
    with pytest.raises(RuntimeError, match="transaction"):
        audit.record(actor, "people.person.update", object_type="person", object_id="outside")
    assert not AuditEvent.objects.filter(object_id="outside").exists()


def test_it_refuses_an_unregistered_action(actor):
    with transaction.atomic(), pytest.raises(LookupError):
        audit.record(actor, "people.person.teleport")


def test_an_event_rolls_back_with_its_write(actor):
    # Counted, not "none at all": a transactional test run before this one may leave events (the log is append-only).
    before = AuditEvent.objects.filter(object_type="person", object_id="1").count()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        audit.record(actor, "people.person.update", object_type="person", object_id=1)
        1 / 0  # noqa: B018 - the write fails after its event was recorded
    assert AuditEvent.objects.filter(object_type="person", object_id="1").count() == before


def test_events_cannot_be_changed_or_deleted_through_the_orm(actor):
    with transaction.atomic():
        event = audit.record(CLI, "areas.tally.refresh", count=3)
    assert event.actor_id is None and event.actor_name == "system:cli"
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="edited")
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(TypeError):
        event.delete()
    event.reason = "edited"
    with pytest.raises(TypeError):
        event.save()


def test_the_database_refuses_an_update_of_an_event(actor):
    with transaction.atomic():
        event = audit.record(actor, "people.person.update", object_type="person", object_id=1)
    table = AuditEvent._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET reason = 'edited' WHERE id = %s", [event.pk])  # noqa: S608
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])  # noqa: S608
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_purge_removes_only_events_past_three_years_and_records_itself(actor, settings):
    old = timezone.now() - dt.timedelta(days=3 * 366 + 5)
    with transaction.atomic():
        audit.record(actor, "people.person.update", object_type="person", object_id=1)
        AuditEvent.objects.create(actor_name="ancient", action="people.person.update", at=old)
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "audit_log": 3 * 366}
    call_command("purge", "--apply")
    names = set(AuditEvent.objects.values_list("actor_name", flat=True))
    assert "ancient" not in names and "writer" in names
    assert AuditEvent.objects.filter(action="core.audit.purge", actor_name="system:cli").exists()


def test_the_retention_of_the_audit_log_is_at_least_three_years(settings):
    assert settings.RETENTION_DAYS["audit_log"] >= 3 * 365
