"""No full ID number or phone reaches a log line, stdout/stderr or a URL.

Logging is turned up to DEBUG for every logger, SQL included (force_debug_cursor),
while persons are created, searched, updated, rejected and unmasked through the API.
"""

import logging

import pytest
from django.db import connection

from fangkong.api import api
from tests.conftest import make_id_number

ID_NEW = make_id_number("411402", "19770412", "371")
ID_CHANGED = make_id_number("411402", "19770412", "393")
PHONE_NEW = "13511112222"
PHONE_CHANGED = "15033334444"
ID_BAD = ID_NEW[:-1] + ("1" if ID_NEW[-1] != "1" else "2")
SECRETS = [ID_NEW, ID_CHANGED, PHONE_NEW, PHONE_CHANGED, ID_BAD]


@pytest.fixture
def debug_everything(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("django", "django.request", "django.db.backends", "django.server", "ninja", "fangkong"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    connection.force_debug_cursor = True
    yield caplog
    connection.force_debug_cursor = False


def test_no_id_number_or_phone_reaches_a_log_line_or_stdout(people, user_a, api_as, debug_everything, capfd):
    api = api_as(user_a)
    created = api.post(
        "/persons", {"name": "赵六", "household_id": people["hh_a"].pk, "id_number": ID_NEW, "phone": PHONE_NEW}
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    assert api.post("/persons/search", {"id_number": ID_NEW}).status_code == 200
    assert api.post("/persons/search", {"id_number": ID_BAD}).status_code == 422
    assert api.post("/persons", {"name": "钱七", "household_id": people["hh_a"].pk, "id_number": ID_BAD}).status_code == 422
    assert api.post("/persons", {"name": "钱七", "household_id": people["hh_a"].pk, "id_number": ID_NEW}).status_code == 422
    assert api.patch(f"/persons/{pk}", {"id_number": ID_CHANGED, "phone": PHONE_CHANGED}).status_code == 200
    assert api.patch(f"/persons/{pk}", {"phone": "1" + PHONE_CHANGED}).status_code == 422
    shown = api.get(f"/persons/{pk}", unmask="true", reason="电话随访")
    assert shown.json()["phone"] == PHONE_CHANGED  # the answer carries it; no log may
    assert api.get("/persons", name="赵").status_code == 200

    out, err = capfd.readouterr()
    logged = debug_everything.text + "\n".join(str(r.args) for r in debug_everything.records)
    assert "people_person" in logged, "SQL logging was not on: the test would prove nothing"
    for secret in SECRETS:
        assert secret not in logged
        assert secret not in out and secret not in err


def test_no_api_route_takes_a_document_number_or_phone_in_its_url():
    schema = api.get_openapi_schema()
    in_url = [
        (path, p["name"])
        for path, ops in schema["paths"].items()
        for op in ops.values()
        for p in op.get("parameters", [])
        if p["in"] in {"path", "query"}
    ]
    assert in_url, "no parameters found: the check would prove nothing"
    leaky = [(path, name) for path, name in in_url if any(w in name for w in ("id_number", "phone", "document"))]
    assert not leaky


def test_the_web_person_list_links_by_record_id_not_by_document(people, user_a, client):
    client.force_login(user_a)
    html = client.get("/people/").content.decode()
    assert f"/people/{people['p_a'].pk}/" in html
    assert people["p_a"].id_number_masked in html
    from tests.api.conftest import ID_A, PHONE_A

    assert ID_A not in html and PHONE_A not in html
