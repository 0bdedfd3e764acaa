"""Production behaviour in the demo: DEBUG off, Chinese error pages without secrets, no open redirects."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import path

from tests.conftest import make_user


def test_the_demo_runs_with_debug_off():
    assert settings.DEBUG is False and settings.FANGKONG_DEMO is True


def test_a_missing_page_answers_a_chinese_404_in_the_site_style(client, tree):
    client.force_login(make_user("w", tree["county_a"].code, "grid_worker"))
    response = client.get("/people/999999/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    text = response.content.decode()
    assert "site.css" in text and "未找到" in text


def test_a_refused_action_answers_403_with_the_reason(client, tree):
    client.force_login(make_user("ro", tree["county_a"].code, "read_only"))
    response = client.get("/control/policy/")
    assert response.status_code == 403 and "Switch the policy profile in force" in response.content.decode()


def _boom(request):
    raise RuntimeError("postgres://fangkong:secret-password@db/fangkong")


urlpatterns = [path("boom/", _boom)]


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_shows_no_settings_and_no_exception(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    text = response.content.decode()
    assert response.status_code == 500
    assert "secret-password" not in text and "DATABASE" not in text and "Traceback" not in text


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_next_never_leads_to_another_site(client, tree, target):
    from fangkong.control.models import Escalation

    worker = make_user("w2", tree["county_a"].code, "grid_worker")
    client.force_login(worker)
    escalation = Escalation.objects.create(area_code=tree["grid_a"].code, kind="fever", detail="x", level=1,
                                           person=_person(tree, worker))
    response = client.post(f"/control/escalations/{escalation.pk}/resolve/", {"next": target})
    assert response.status_code == 302 and response["Location"] == "/control/escalations/"


def _person(tree, user):
    from fangkong.people.services import household_create, person_create

    return person_create(user=user, household=household_create(user=user, area=tree["grid_a"]), name="某", id_type="none")
