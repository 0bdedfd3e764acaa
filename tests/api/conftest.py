"""API fixtures: persons and households in both counties, and a JSON client speaking with a bearer token."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from fangkong.core.models import ApiToken
from fangkong.people import services
from tests.conftest import make_id_number, make_user

ID_A = make_id_number("411402", "19900307", "123")
ID_B = make_id_number("411403", "19851120", "246")
PHONE_A = "13812345678"
PHONE_B = "13987654321"


class Api:
    """A client for /api/v1/ acting as one user."""

    def __init__(self, user=None, token: str | None = None):
        self.client = Client()
        self.headers = {}
        if user is not None:
            _, token = ApiToken.issue(user)
        if token:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    def _url(self, path: str) -> str:
        return "/api/v1" + path

    def get(self, path: str, **params):
        return self.client.get(self._url(path), params, **self.headers)

    def post(self, path: str, body):
        return self.client.post(self._url(path), json.dumps(body), content_type="application/json", **self.headers)

    def patch(self, path: str, body):
        return self.client.patch(self._url(path), json.dumps(body), content_type="application/json", **self.headers)


@pytest.fixture
def api_as():
    return Api


@pytest.fixture
def people(tree, city_user):
    """A household with two persons under grid A, one under grid B."""
    hh_a = services.household_create(user=city_user, area=tree["grid_a"], address="梁园区一号")
    hh_b = services.household_create(user=city_user, area=tree["grid_b"], address="睢阳区二号")
    p_a = services.person_create(
        user=city_user, household=hh_a, name="张三", id_number=ID_A, phone=PHONE_A, relation="户主", tags=["student"]
    )
    p_a2 = services.person_create(user=city_user, household=hh_a, name="张小花", id_type="passport", id_number="E1234567")
    p_b = services.person_create(user=city_user, household=hh_b, name="李四", id_number=ID_B, phone=PHONE_B)
    return {"hh_a": hh_a, "hh_b": hh_b, "p_a": p_a, "p_a2": p_a2, "p_b": p_b}


@pytest.fixture
def reader_a(tree):
    return make_user("reader", tree["county_a"].code, "read_only")


@pytest.fixture
def lab_a(tree):
    """A role that reads but does not see full values (lab)."""
    return make_user("labuser", tree["county_a"].code, "lab")
