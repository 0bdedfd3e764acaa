"""Issue 11 §8: a typed origin resolves to a division, finds the risk list's coded entries, and an origin that
cannot be placed goes to a person, never to "no measures"."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.arrivals import selectors as arrivals_selectors
from fangkong.arrivals import services as arrivals_services
from fangkong.arrivals.models import SelfDeclaration
from fangkong.control.models import ControlOrder
from fangkong.core.clock import today
from fangkong.core.errors import InvalidInput
from fangkong.core.models import AuditEvent
from fangkong.people.services import household_create, person_create
from fangkong.risk import selectors as risk_selectors
from fangkong.risk.models import RiskArea
from tests.conftest import make_id_number, make_user
from tests.control.declare_world import build_community
from tests.control.test_public_pages import post, public  # noqa: F401 - the fixture

NO_MEASURES = "no control measure applies"  # the page in English (the test client asks for no language)


@pytest.fixture
def world(tree):
    RiskArea.objects.create(division_code="110105", region_name="北京市朝阳区", level="medium",
                            starts_on=today() - dt.timedelta(days=10))
    return build_community(tree)


def typed(text: str, **more) -> dict:
    return {"origin_province": "", "origin_city": "", "origin_county": "", "origin_text": text, **more}


def test_the_risk_lookup_finds_the_coded_entry_from_the_typed_name(world):
    answer = risk_selectors.risk_level_on(on=today(), name="北京市朝阳区")
    assert (answer.level, answer.resolved_code, answer.unresolved) == ("medium", "110105", "")
    assert risk_selectors.risk_level_on(on=today(), name="朝阳区").unresolved == "ambiguous"
    assert risk_selectors.risk_level_on(on=today(), name="北京").unresolved == "coarse"  # risk areas inside it
    assert risk_selectors.risk_level_on(on=today(), name="上海").unresolved == ""  # nothing listed inside


def test_a_resident_who_types_beijing_chaoyang_gets_the_medium_risk_measures(client, world, public):  # noqa: F811
    page = post(client, world, **typed("北京市朝阳区")).content.decode()
    assert NO_MEASURES not in page and "Nucleic-acid tests on" in page
    order = ControlOrder.objects.get()
    assert order.facts["origin_risk"] == "medium" and order.arrival.origin_risk == "medium"


@pytest.mark.parametrize("text", ["朝阳区", "北京", "火星"])
def test_an_origin_that_cannot_be_placed_waits_for_the_worker_and_never_says_no_measures(client, world, public,  # noqa: F811
                                                                                         text):
    page = post(client, world, **typed(text)).content.decode()
    assert NO_MEASURES not in page and "will call you to ask where exactly you came from" in page
    declaration = SelfDeclaration.objects.get()
    assert declaration.origin_pending and not ControlOrder.objects.exists()
    worker = make_user("w-origin", world.village.code, "grid_worker")
    assert declaration in arrivals_selectors.declarations_pending(user=worker)
    with pytest.raises(InvalidInput):
        arrivals_services.declaration_origin_confirm(by=worker, declaration=declaration, origin_code="999999")
    arrivals_services.declaration_origin_confirm(by=worker, declaration=declaration, origin_code="110105")
    declaration.refresh_from_db()
    assert not declaration.origin_pending and declaration.arrival.origin_risk == "medium"
    assert ControlOrder.objects.get().facts["origin_risk"] == "medium"
    event = AuditEvent.objects.get(action="control.declaration.confirm", object_id=str(declaration.pk))
    assert event.changes["origin_code"] == "110105" and event.actor_id == worker.pk


def test_the_worker_confirms_the_origin_on_the_declaration_page(client, world, public):  # noqa: F811
    post(client, world, **typed("朝阳区"))
    declaration = SelfDeclaration.objects.get()
    worker = make_user("w-origin2", world.village.code, "grid_worker")
    client.force_login(worker)
    page = client.get(f"/control/declarations/{declaration.pk}/household/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'name="origin_code"' in page
    client.post(f"/control/declarations/{declaration.pk}/household/", {"action": "origin", "origin_code": "220104"})
    declaration.refresh_from_db()
    assert declaration.arrival.origin_code == "220104" and not declaration.origin_pending


def test_an_arrival_from_abroad_is_not_held_for_its_foreign_origin(client, world, public):  # noqa: F811
    post(client, world, **typed("日本东京", from_abroad="on"))
    declaration = SelfDeclaration.objects.get()
    assert not declaration.origin_pending and ControlOrder.objects.exists()


def test_a_worker_who_types_an_ambiguous_origin_is_asked_for_the_division(world, tree):
    user = make_user("w-arr", tree["county_a"].code, "grid_worker")
    household = household_create(user=user, area=world.building)
    person = person_create(user=user, household=household, name="钱九", id_number=make_id_number(seq="913"))
    with pytest.raises(InvalidInput) as refused:
        arrivals_services.arrival_register(by=user, person=person, household=household, category="returnee",
                                  origin_name="朝阳区", arrived_on=today(), source="manual")
    message = refused.value.errors["origin_name"]
    assert "北京市朝阳区" in message and "吉林省长春市朝阳区" in message
    arrival = arrivals_services.arrival_register(by=user, person=person, household=household, category="returnee",
                                        origin_name="北京朝阳区", arrived_on=today(), source="manual")
    assert arrival.origin_risk == "medium"
