"""One application error type (core.errors), one answer for it on the API and on pages."""

from __future__ import annotations

import json

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import path

from fangkong.core.errors import AlreadyDone, InvalidInput, NotAllowed
from fangkong.urls import urlpatterns as real_urls
from tests.conftest import make_user


def _raises(exc):
    def view(request):
        raise exc
        return HttpResponse()  # pragma: no cover
    return view


urlpatterns = [
    path("t/invalid/", _raises(InvalidInput({"title": "标题必填"}))),
    path("t/not-allowed/", _raises(NotAllowed("只有申请人可以撤回"))),
    path("t/done/", _raises(AlreadyDone("已由他人处理", field="escalation"))),
    *real_urls,
]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize("url, status, reason", [
    ("/t/invalid/", 422, "标题必填"), ("/t/not-allowed/", 403, "只有申请人可以撤回"), ("/t/done/", 409, "已由他人处理"),
])
def test_a_refusal_no_view_caught_is_a_page_with_its_status_and_reason(tree, url, status, reason):
    client = Client()
    client.force_login(make_user("t", tree["county_a"].code, "district"))
    response = client.get(url)
    assert response.status_code == status
    assert reason in response.content.decode()


def test_the_api_answers_each_with_the_uniform_body():
    from fangkong.api import app_error

    request = RequestFactory().get("/api/v1/control/gatherings")
    body = app_error(request, InvalidInput({"title": "标题必填"}))
    assert body.status_code == 422
    assert json.loads(body.content) == {"detail": "invalid input", "errors": [{"field": "title", "reason": "标题必填"}]}
    assert app_error(request, NotAllowed("只有申请人可以撤回")).status_code == 403
    conflict = app_error(request, AlreadyDone("已由他人处理", field="escalation"))
    assert conflict.status_code == 409 and json.loads(conflict.content)["errors"][0]["field"] == "escalation"
