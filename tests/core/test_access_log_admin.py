import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.core.access import log_access
from fangkong.core.models import AccessLog
from tests.conftest import make_user


@pytest.fixture
def staff_client(tree):
    chief = make_user("chief", tree["city"].code, "city_command", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(chief)
    return client


@pytest.fixture
def entries(user_a, user_b):
    log_access(user=user_a, action="view_unmasked", object_type="person", object_id="12", reason="回访核酸")
    log_access(user=user_a, action="lookup_document", object_type="person", object_id="7")
    log_access(user=user_b, action="view_unmasked", object_type="person", object_id="7", reason="转运")
    old = log_access(user=user_b, action="lookup_document", object_type="person", object_id="99")
    AccessLog.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=40))


def rows(response) -> list[tuple[str, str]]:
    return [(e.username, e.object_id) for e in response.context["cl"].result_list]


URL = "/admin/core/accesslog/"


def test_it_filters_the_access_log_by_user(staff_client, entries):
    r = staff_client.get(URL, {"username": "bob"})
    assert r.status_code == 200
    assert sorted(rows(r)) == [("bob", "7"), ("bob", "99")]


def test_it_filters_the_access_log_by_action(staff_client, entries):
    r = staff_client.get(URL, {"action": "view_unmasked"})
    assert sorted(rows(r)) == [("alice", "12"), ("bob", "7")]


def test_it_filters_the_access_log_by_date(staff_client, entries):
    # What the filter's own "Today" link sends: aware local midnights.
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    r = staff_client.get(URL, {"at__gte": str(today), "at__lt": str(today + dt.timedelta(days=1))})
    assert ("bob", "99") not in rows(r) and len(rows(r)) == 3


def test_it_finds_every_access_to_one_object(staff_client, entries):
    r = staff_client.get(URL, {"q": "person:7"})
    assert sorted(rows(r)) == [("alice", "7"), ("bob", "7")]


def test_it_searches_the_reason(staff_client, entries):
    assert rows(staff_client.get(URL, {"q": "核酸"})) == [("alice", "12")]


def test_nobody_edits_or_deletes_log_entries_in_the_admin(staff_client, entries):
    pk = AccessLog.objects.first().pk
    assert staff_client.post(f"{URL}{pk}/delete/", {"post": "yes"}).status_code == 403
    assert AccessLog.objects.filter(pk=pk).exists()
    assert staff_client.get(f"{URL}add/").status_code == 403
