"""Staff side of the public pages: QR posters, households to confirm, personal check-in links."""

from __future__ import annotations

import re

import pytest

from fangkong.arrivals import services as arrivals_services
from fangkong.arrivals.models import DeclarationPoster, SelfDeclaration
from fangkong.arrivals.selectors import declaration_community
from fangkong.control import services
from fangkong.control.models import CheckinLink
from fangkong.control.public_tokens import parse_checkin_token, parse_community_token
from fangkong.core.clock import today
from fangkong.core.permissions import DEMO
from fangkong.people.services import person_register
from tests.conftest import make_id_number, make_user
from tests.control.declare_world import build_community
from tests.control.test_declarations import declaration


@pytest.fixture
def world(tree):
    return build_community(tree)


def poster_token(html: str) -> str:
    return re.search(r"/d/([^/\s\"<]+)/", html).group(1)


@pytest.mark.parametrize("role,where", [("grid_worker", "grid_a"), ("grid_worker", "village_a"), ("township", "town_a"),
                                        ("district", "county_a"), ("city_command", "city")])
def test_the_chain_prints_the_poster_of_a_community_in_its_scope(client, world, tree, role, where):
    client.force_login(make_user("u", tree[where].code, role))
    page = client.get(f"/control/declare/posters/{world.village.code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and world.village.name in html
    assert declaration_community(poster_token(html)) == world.village
    listing = client.get("/control/declare/posters/").content.decode()
    assert f"/control/declare/posters/{world.village.code}/" in listing


@pytest.mark.parametrize("role,where", [("grid_worker", "county_b"), ("checkpoint", "county_a"), ("read_only", "county_a")])
def test_others_get_404_for_the_poster(client, world, tree, role, where):
    client.force_login(make_user("u", tree[where].code, role))
    assert client.get(f"/control/declare/posters/{world.village.code}/").status_code == 404
    assert client.get(f"/control/declare/posters/{world.village.code}/qr.svg").status_code == 404
    assert world.village.name not in client.get("/control/declare/posters/").content.decode()


def test_the_qr_code_carries_the_configured_public_address(client, world, tree, settings):
    settings.FANGKONG_PUBLIC = {**settings.FANGKONG_PUBLIC, "BASE_URL": "https://fk.example.gov.cn"}
    client.force_login(make_user("u", tree["village_a"].code, "grid_worker"))
    html = client.get(f"/control/declare/posters/{world.village.code}/").content.decode()
    assert f"https://fk.example.gov.cn/d/{poster_token(html)}/" in html


def test_the_qr_code_downloads_as_an_svg_file(client, world, tree):
    client.force_login(make_user("u", tree["village_a"].code, "grid_worker"))
    response = client.get(f"/control/declare/posters/{world.village.code}/qr.svg")
    assert response["Content-Type"] == "image/svg+xml" and response.content.lstrip().startswith(b"<?xml")
    assert f"declare-{world.village.code}.svg" in response["Content-Disposition"]


def test_a_township_user_replaces_the_code_and_old_posters_stop_working(client, world, tree):
    client.force_login(make_user("town", tree["town_a"].code, "township"))
    before = poster_token(client.get(f"/control/declare/posters/{world.village.code}/").content.decode())
    assert client.post(f"/control/declare/posters/{world.village.code}/rotate/").status_code == 302
    after = poster_token(client.get(f"/control/declare/posters/{world.village.code}/").content.decode())
    assert declaration_community(before) is None and declaration_community(after) == world.village
    assert parse_community_token(after).generation == 1


def test_a_grid_worker_may_print_but_not_replace_the_code(client, world, tree):
    client.force_login(make_user("gw", tree["village_a"].code, "grid_worker"))
    client.post(f"/control/declare/posters/{world.village.code}/rotate/")
    assert not DeclarationPoster.objects.exists()


def test_the_workers_list_shows_declarations_to_confirm_and_the_worker_confirms_one(client, world, tree):
    outcome = arrivals_services.declaration_submit(community=world.village, data=declaration(address="幸福路88号"))
    worker = make_user("cadre", world.village.code, "grid_worker")
    client.force_login(worker)
    today_page = client.get("/control/today/").content.decode()
    assert f"/control/declarations/{outcome.declaration.pk}/household/" in today_page and "幸福路88号" in today_page
    page = client.get(f"/control/declarations/{outcome.declaration.pk}/household/", {"q": "201"})
    assert page.status_code == 200 and world.household.code in page.content.decode()
    done = client.post(f"/control/declarations/{outcome.declaration.pk}/household/", {"household": world.household.pk})
    assert done.status_code == 302
    assert SelfDeclaration.objects.get().household_pending is False
    assert "幸福路88号" not in client.get("/control/today/").content.decode()


def test_a_confirmed_declaration_is_not_on_the_list(client, world):
    arrivals_services.declaration_submit(community=world.village, data=declaration(building_code=world.building.code))
    client.force_login(make_user("cadre", world.village.code, "grid_worker"))
    assert "/household/" not in client.get("/control/today/").content.decode()


@pytest.fixture
def order(world):
    worker = make_user("cadre", world.village.code, "grid_worker")
    person = person_register(area=world.building, household=world.household, name="钱七", id_number=make_id_number(seq="551"))
    arrival = arrivals_services.arrival_register(by=worker, person=person, household=world.household, category="inbound",
                                        origin_name="新加坡", arrived_on=today(), source="manual")
    return arrival.orders.get()


def test_the_worker_creates_shows_and_revokes_a_personal_link(client, order):
    client.force_login(make_user("w", order.area_code[:12], "grid_worker"))
    assert f"/control/orders/{order.pk}/checkin-link/" in client.get(f"/control/orders/{order.pk}/").content.decode()
    assert client.post(f"/control/orders/{order.pk}/checkin-link/", {"action": "issue"}).status_code == 302
    html = client.get(f"/control/orders/{order.pk}/checkin-link/").content.decode()
    token = re.search(r"/c/([^/\s\"<]+)/", html).group(1)
    assert "<svg" in html and parse_checkin_token(token).link_id == CheckinLink.objects.get().pk
    assert client.get(f"/c/{token}/").status_code == 200
    client.post(f"/control/orders/{order.pk}/checkin-link/", {"action": "revoke"})
    assert client.get(f"/c/{token}/").status_code == 410


def test_a_read_only_user_can_neither_issue_nor_see_the_link(client, order):
    client.force_login(make_user("viewer", order.area_code[:12], "read_only"))
    client.post(f"/control/orders/{order.pk}/checkin-link/", {"action": "issue"})
    assert not CheckinLink.objects.exists()
    services.checkin_link_issue(by=DEMO, order=order)
    page = client.get(f"/control/orders/{order.pk}/checkin-link/")
    assert page.status_code == 200 and "/c/" not in page.content.decode() and "<svg" not in page.content.decode()
