"""No oracle across areas: a number registered elsewhere answers "registered in another area" (logged, limited),
and moving the person is a transfer request that the owning area decides."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.core.clock import today
from fangkong.core.models import AccessLog, AuditEvent
from fangkong.people.models import Person, TransferRequest
from fangkong.policy.engine import Facts
from tests.api.conftest import ID_A, ID_B
from tests.conftest import make_user


@pytest.fixture
def worker_a(tree):
    return make_user("wa", tree["county_a"].code, "grid_worker")


@pytest.fixture
def worker_b(tree):
    return make_user("wb", tree["county_b"].code, "grid_worker")


def test_a_number_registered_elsewhere_names_neither_the_person_nor_the_area(people, worker_a, api_as):
    r = api_as(worker_a).post("/persons", {"name": "某某", "household_id": people["hh_a"].pk, "id_number": ID_B})
    assert r.status_code == 422
    reason = r.json()["errors"][0]["reason"]
    assert "another area" in reason and "李四" not in r.content.decode() and "411403" not in r.content.decode()
    assert AccessLog.objects.filter(username="wa", action="registered_elsewhere").count() == 1
    own = api_as(worker_a).post("/persons", {"name": "某某", "household_id": people["hh_a"].pk, "id_number": ID_A})
    assert "in your area" in own.json()["errors"][0]["reason"]


def test_the_answer_is_rate_limited_per_user(people, worker_a, api_as, settings):
    settings.REGISTERED_ELSEWHERE_PER_HOUR = 3
    api = api_as(worker_a)
    codes = [api.post("/persons", {"name": "某", "household_id": people["hh_a"].pk, "id_number": ID_B}).status_code
             for _ in range(4)]
    assert codes == [422, 422, 422, 429]
    last = api.post("/persons", {"name": "某", "household_id": people["hh_a"].pk, "id_number": ID_B})
    assert last.status_code == 429 and 0 < int(last["Retry-After"]) <= 3600


def test_a_transfer_moves_the_person_and_their_open_orders_when_the_owning_area_accepts(
        people, worker_a, worker_b, api_as):
    order = _open_order(people["p_b"])
    filed = api_as(worker_a).post("/transfers", {"id_number": ID_B, "household_id": people["hh_a"].pk, "reason": "搬家"})
    assert filed.status_code == 201, filed.content
    body = filed.json()
    assert body["person_id"] is None and body["person_name"] is None  # the requester does not see who, yet
    # The requester cannot decide its own request; the owning side sees it with the person.
    assert api_as(worker_a).post(f"/transfers/{body['id']}/decide", {"accept": True}).status_code == 404
    incoming = api_as(worker_b).get("/transfers", direction="incoming").json()
    assert [t["person_name"] for t in incoming] == ["李四"]
    decided = api_as(worker_b).post(f"/transfers/{body['id']}/decide", {"accept": True, "note": "同意"})
    assert decided.status_code == 200 and decided.json()["status"] == "accepted"
    moved = Person.objects.get(pk=people["p_b"].pk)
    assert moved.area_code == people["hh_a"].area_code and moved.household_id == people["hh_a"].pk
    order.refresh_from_db()
    assert order.area_code == moved.area_code
    assert AuditEvent.objects.filter(action="people.transfer.decide", object_id=str(body["id"])).exists()
    # Deciding twice is refused.
    assert api_as(worker_b).post(f"/transfers/{body['id']}/decide", {"accept": False}).status_code == 422


def test_a_second_request_for_the_same_person_and_place_is_the_same_request(people, worker_a, api_as):
    api = api_as(worker_a)
    first = api.post("/transfers", {"id_number": ID_B, "household_id": people["hh_a"].pk}).json()
    second = api.post("/transfers", {"id_number": ID_B, "household_id": people["hh_a"].pk}).json()
    assert first["id"] == second["id"] and TransferRequest.objects.count() == 1


def test_a_read_only_user_cannot_request_a_transfer(people, tree, api_as):
    reader = make_user("ro", tree["county_a"].code, "read_only")
    assert api_as(reader).post("/transfers", {"id_number": ID_B, "household_id": people["hh_a"].pk}).status_code == 403


def _open_order(person):
    from fangkong.control.services import order_from_facts

    facts = Facts(id=str(person.pk), category="returnee", origin_risk="low", arrival_date=today() - dt.timedelta(days=1))
    return order_from_facts(person=person, facts=facts)


def test_the_transfer_page_files_and_decides_a_request(client, people, worker_a, worker_b):
    client.force_login(worker_a)
    r = client.post("/people/transfers/", {"id_type": "resident_id", "id_number": ID_B,
                                           "household_code": people["hh_a"].code, "reason": "搬家"})
    assert r.status_code == 302
    row = TransferRequest.objects.get()
    page = client.get("/people/transfers/").content.decode()
    assert "李四" not in page  # the requester does not learn who it is before the owner accepts
    client.force_login(worker_b)
    assert "李四" in client.get("/people/transfers/").content.decode()
    client.post(f"/people/transfers/{row.pk}/decide", {"decision": "refuse", "note": "不在本地"})
    row.refresh_from_db()
    assert row.status == "refused" and row.decision_note == "不在本地"
    assert Person.objects.get(pk=people["p_b"].pk).area_code == people["p_b"].area_code
