"""Fuzz the API from its own OpenAPI schema, in-process (WSGI, no network server).

Schemathesis generates requests for every operation, as a city command user; each answer must not be
a 5xx and must conform to the schema (status code, content type, body), invalid input must be refused
and schema-valid input must not be: a 400 or 422 to a request the schema allows means the schema and
the validation disagree. Examples per operation are bounded so the whole run stays around a minute.
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


# Rules that a JSON Schema cannot state: a check character, a lookup in the gazetteer, one field compared with
# another, one of two query parameters, what is inside an uploaded file. A schema-valid request may be refused
# for these, with 422 naming the field, and for nothing else; each entry says why the schema cannot.
NOT_IN_THE_SCHEMA: dict[str, set[str]] = {
    # id_number: an ID number's check character (and, for a person, the birth date and sex it encodes).
    # area_code: whether a code names a village, grid or building is read from the register (a 12-digit
    # national code may be a city's).
    "POST /api/v1/persons": {"id_number", "birth_date", "sex", "area_code"},
    "PATCH /api/v1/persons/{pk}": {"id_number", "birth_date", "sex"},
    "POST /api/v1/persons/search": {"id_number"},
    "POST /api/v1/transfers": {"id_number", "area_code"},
    # A place written by name is looked up in the gazetteer.
    "POST /api/v1/control/arrivals": {"origin_name"},
    # lifted_on after starts_on: one field compared with another.
    "POST /api/v1/risk-areas/": {"lift_date"},
    # code or name: OpenAPI cannot require one of two query parameters.
    "GET /api/v1/risk-areas/level": {"code"},
    # An upload's name (.xlsx or .csv) and content (UTF-8 text, a readable workbook): a multipart schema says
    # neither.
    "POST /api/v1/risk-areas/import": {"file", "header"},
    "POST /api/v1/imports": {"file"},
    "POST /api/v1/arrival-imports": {"file"},
    "POST /api/v1/testing/lab/results/import": {"file", "header"},
    # Mass testing: a campaign's laboratories are looked up among the units; a scanned barcode is normalised
    # (full-width, case, spaces) before its pattern is checked; a plan's daily capacity is a product of four
    # fields (sites × samplers × samples an hour × hours) that must come to a finite positive number.
    "POST /api/v1/testing/campaigns": {"labs"},
    "POST /api/v1/testing/lab/results": {"barcode"},
    "GET /api/v1/testing/plan": {"plan"},
}


def _refused_for_a_rule_the_schema_cannot_state(case, response) -> bool:
    if response.status_code != 422:
        return False
    allowed = NOT_IN_THE_SCHEMA.get(f"{case.method.upper()} {case.path}", set())
    try:
        fields = {error["field"] for error in response.json()["errors"]}
    except (ValueError, KeyError, TypeError):
        return False
    return bool(fields) and fields <= allowed


def schema_valid_input_is_accepted(ctx, response, case):
    """positive_data_acceptance, less the 422s of NOT_IN_THE_SCHEMA."""
    if _refused_for_a_rule_the_schema_cannot_state(case, response):
        return None
    return positive_data_acceptance(ctx, response, case)


@pytest.fixture
def bearer(tree, keep_test_connection):
    """City command at city level: the widest scope, may write and switch the profile, so every branch is reachable."""
    user = make_user("fuzzer", tree["city"].code, "city_command")
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
    # "Schema-valid data must be accepted" runs as schema_valid_input_is_accepted (see NOT_IN_THE_SCHEMA).
    excluded = [positive_data_acceptance]
    meta = case.meta
    if meta and any(loc == ParameterLocation.HEADER and c.mode.is_negative for loc, c in meta.components.items()):
        # The only header is Authorization, and we always send a good one: a case meant to
        # lack it reaches the server valid, so "invalid data must be rejected" does not apply.
        excluded.append(negative_data_rejection)
    case.call_and_validate(headers=bearer, excluded_checks=excluded, additional_checks=[schema_valid_input_is_accepted])


def test_every_excused_operation_exists():
    """NOT_IN_THE_SCHEMA may only shrink with the API: an entry for a route that is gone is a stale excuse."""
    operations = {f"{method.upper()} {path}" for path, item in schema.raw_schema["paths"].items() for method in item}
    assert set(NOT_IN_THE_SCHEMA) <= operations, set(NOT_IN_THE_SCHEMA) - operations
