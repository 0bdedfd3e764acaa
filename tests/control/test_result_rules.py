"""Issue 12 §3: results are recorded on or after their day, a positive is asked for twice, and whoever recorded a
result may correct it for a short while (with history); nobody else, and not later."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.control import services
from fangkong.control.models import ControlOrder, Escalation, ScheduledTest
from fangkong.core.errors import AlreadyDone, InvalidInput
from fangkong.core.models import AuditEvent
from fangkong.healthcodes.models import HealthCode
from tests.conftest import make_user
from tests.control.test_control_views import order  # noqa: F401 - the fixture: an order with tests today, +3, +6


def _today_and_later(order):  # noqa: F811
    tests = list(order.tests.order_by("due_on"))
    return tests[0], tests[-1]


def test_a_result_for_a_day_still_to_come_is_refused_and_offered_by_no_button(client, order, user_a):  # noqa: F811
    first, last = _today_and_later(order)
    assert last.due_on > timezone.localdate()
    with pytest.raises(InvalidInput) as refused:
        services.test_result_record(by=user_a, test=last, positive=False)
    assert "due_on" in refused.value.errors
    client.force_login(user_a)
    page = client.get(f"/control/orders/{order.pk}/").content.decode()
    assert f"/control/tests/{first.pk}/result/" in page and f"/control/tests/{last.pk}/result/" not in page


def test_a_positive_is_asked_for_twice_on_the_page(client, order, user_a, django_capture_on_commit_callbacks):  # noqa: F811
    first, _last = _today_and_later(order)
    client.force_login(user_a)
    asked = client.post(f"/control/tests/{first.pk}/result/", {"result": "positive"})
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.content.decode()
    first.refresh_from_db()
    assert first.status == ScheduledTest.Status.DUE  # nothing recorded yet
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/control/tests/{first.pk}/result/", {"result": "positive", "confirm": "yes"})
    assert done.status_code == 302
    first.refresh_from_db()
    assert first.status == ScheduledTest.Status.POSITIVE
    assert HealthCode.objects.get(person=order.person).colour == "red"


def test_the_recorder_corrects_a_wrong_positive_and_the_alarm_and_code_follow(order, user_a,  # noqa: F811
                                                                             django_capture_on_commit_callbacks):
    first, _last = _today_and_later(order)
    with django_capture_on_commit_callbacks(execute=True):
        services.test_result_record(by=user_a, test=first, positive=True)
    order.refresh_from_db()
    assert order.status == ControlOrder.Status.ESCALATED
    with django_capture_on_commit_callbacks(execute=True):
        services.test_result_record(by=user_a, test=first, positive=False)
    first.refresh_from_db()
    order.refresh_from_db()
    assert first.status == ScheduledTest.Status.NEGATIVE and order.status == ControlOrder.Status.IN_PROGRESS
    assert not Escalation.objects.filter(order=order, kind="positive", resolved_at__isnull=True).exists()
    assert HealthCode.objects.get(person=order.person).colour != "red"
    history = AuditEvent.objects.filter(action="control.test_result.record", object_id=str(first.pk)).order_by("at")
    assert [e.changes["status"] for e in history] == [["due", "positive"], ["positive", "negative"]]
    assert history.last().reason == "corrected"


def test_nobody_else_corrects_a_result_and_the_recorder_not_after_the_window(client, order, user_a, tree,  # noqa: F811
                                                                            token_for, settings):
    first, _last = _today_and_later(order)
    services.test_result_record(by=user_a, test=first, positive=False)
    colleague = make_user("colleague", tree["county_a"].code, "district")
    with pytest.raises(AlreadyDone):
        services.test_result_record(by=colleague, test=first, positive=True)
    answer = client.post(f"/api/v1/control/tests/{first.pk}/result", {"positive": True}, content_type="application/json",
                         **token_for(colleague))
    assert answer.status_code == 409 and answer.json()["errors"][0]["field"] == "result"
    ScheduledTest.objects.filter(pk=first.pk).update(result_at=timezone.now() - dt.timedelta(minutes=31))
    with pytest.raises(AlreadyDone):
        services.test_result_record(by=user_a, test=first, positive=True)
    first.refresh_from_db()
    assert first.status == ScheduledTest.Status.NEGATIVE
