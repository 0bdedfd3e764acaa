"""Fuzz the API from its own OpenAPI schema, in-process (WSGI, no network server).

Schemathesis generates requests for every operation; each answer must not be a
5xx and must conform to the schema (status code, content type, body). Examples
per operation are bounded so the whole run stays well under a minute.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from fangkong.core.models import ApiToken
from fangkong.people import services
from fangkong.wsgi import application
from tests.conftest import make_id_number, make_user

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def keep_test_connection():
    """Like Django's test client: a request must not close the connection that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(tree, keep_test_connection):
    """A CDC epidemiologist at city level: may write and unmask, so every branch is reachable."""
    user = make_user("fuzzer", tree["city"].code, "district")  # holds the registry and control writes
    household = services.household_create(user=user, area=tree["grid_a"], address="fuzz")
    services.person_create(user=user, household=household, name="样本", id_number=make_id_number(), phone="13800001111")
    _, token = ApiToken.issue(user)
    return {"Authorization": f"Bearer {token}"}


@schema.parametrize()
@settings(
    # FUZZ_EXAMPLES=500 for a deeper run; the default keeps the suite fast and repeatable.
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "10")),
    deadline=None,
    derandomize="FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_never_errors_and_conforms_to_its_schema(case, bearer):
    # Not "schema-valid data must be accepted": business rules (an ID number's check character,
    # a reason to unmask, the caller's area) rightly answer 422/404 to schema-valid input.
    excluded = [positive_data_acceptance]
    meta = case.meta
    if meta and any(loc == ParameterLocation.HEADER and c.mode.is_negative for loc, c in meta.components.items()):
        # The only header is Authorization, and we always send a good one: a case meant to
        # lack it reaches the server valid, so "invalid data must be rejected" does not apply.
        excluded.append(negative_data_rejection)
    case.call_and_validate(headers=bearer, excluded_checks=excluded)
