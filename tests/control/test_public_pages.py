"""The public pages over HTTP: what a phone sees, every abuse protection, every bad input."""

from __future__ import annotations

import datetime as dt
import logging
import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.arrivals import services as arrivals_services
from fangkong.arrivals.models import Arrival, DeclarationPoster, SelfDeclaration
from fangkong.control import services
from fangkong.control.models import CheckIn, CheckinLink, ControlOrder
from fangkong.control.public_tokens import checkin_token, community_token
from fangkong.core.clock import today
from fangkong.core.permissions import DEMO
from fangkong.people.models import Person
from fangkong.people.services import person_register
from tests.conftest import make_id_number, make_user
from tests.control.declare_world import ADDRESS, aged_stamp, build_community, declaration_post

ID = make_id_number(seq="731")


@pytest.fixture
def world(tree):
    return build_community(tree)


@pytest.fixture
def public(settings):
    """Generous limits unless a test lowers one."""
    settings.FANGKONG_PUBLIC = {**settings.FANGKONG_PUBLIC, "SUBMIT_PER_IP": 100, "VIEW_PER_IP": 1000}
    return settings.FANGKONG_PUBLIC


def url(world) -> str:
    return f"/d/{world.token}/"


FORM = "application/x-www-form-urlencoded"


def form_post(client, path: str, data: dict, **extra):
    """Post as a browser posts a form (url-encoded); the test client's own default is multipart."""
    return client.post(path, urlencode(data, doseq=True), content_type=FORM, **extra)


def post(client, world, *, ip="198.51.100.7", **changes):
    return form_post(client, url(world), declaration_post(world, **changes), REMOTE_ADDR=ip)


def text(response) -> str:
    return response.content.decode()


# --- the declaration page ---

def test_the_page_opens_from_the_posters_token_and_is_never_cached(client, world, public):
    page = client.get(url(world))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    html = text(page)
    assert world.village.name in html and 'name="csrfmiddlewaretoken"' in html
    assert 'name="website"' in html and 'name="rendered"' in html
    assert 'name="viewport"' in html and "https://" not in html and "http://" not in html


def test_the_page_speaks_simplified_chinese_by_default(client, world, public, settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        page = client.get(url(world), HTTP_ACCEPT_LANGUAGE="")
    assert 'lang="zh-hans"' in text(page)


def test_the_bare_division_code_does_not_open_the_page(client, world, public):
    assert client.get(f"/d/{world.village.code}/").status_code == 404


def test_a_tampered_token_does_not_open_the_page(client, world, public):
    token = world.token
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.get(f"/d/{tampered}/").status_code == 404


def test_a_token_for_a_node_that_is_not_a_community_is_refused(client, world, tree, public):
    assert client.get(f"/d/{community_token(tree['town_a'].code)}/").status_code == 404


def test_replacing_the_qr_code_voids_printed_posters(client, world, tree, public):
    old = world.token
    arrivals_services.poster_rotate(by=make_user("town", tree["town_a"].code, "township"), community=world.village)
    assert client.get(f"/d/{old}/").status_code == 404
    new = community_token(world.village.code, DeclarationPoster.objects.get().generation)
    assert client.get(f"/d/{new}/").status_code == 200


def test_the_page_offers_buildings_but_no_household_or_person(client, world, public):
    person_register(area=world.building, household=world.household, name="王小明", id_number=make_id_number(seq="999"))
    html = text(client.get(url(world)))
    assert "1号楼院" in html
    for secret in ("王小明", ADDRESS, world.household.code, "楼院长乙", "13900000003"):
        assert secret not in html


def test_a_valid_declaration_shows_what_to_do_next_and_nothing_else(client, world, public):
    response = post(client, world)
    assert response.status_code == 200, text(response)
    html = text(response)
    assert "Thank you. Your declaration has been received." in html
    assert "Home isolation" in html and "Nucleic-acid tests on:" in html
    day = today()
    for d in (day, day + dt.timedelta(days=3), day + dt.timedelta(days=6)):
        assert d.isoformat() in html
    for secret in ("李四", ID, "13812345678", ADDRESS, "楼院长乙", world.household.code):
        assert secret not in html
    assert "no-store" in response["Cache-Control"]
    arrival = Arrival.objects.get()
    assert arrival.source == "self" and arrival.household == world.household and arrival.origin_code == "110105"


def test_the_answer_is_the_same_whether_the_document_was_known_or_not(client, world, tree, public):
    first = text(post(client, world, id_number=make_id_number(seq="111")))
    person_register(area=tree["grid_b"], name="王小明", id_number=make_id_number(seq="222"), phone="13600000000")
    second = text(post(client, world, id_number=make_id_number(seq="222"), ip="198.51.100.8"))

    def strip(html):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert strip(first) == strip(second)
    assert "王小明" not in second and "13600000000" not in second


def test_the_same_document_twice_updates_instead_of_duplicating(client, world, public):
    assert post(client, world).status_code == 200
    assert post(client, world, transport_number="G456").status_code == 200
    assert Arrival.objects.count() == 1 and Arrival.objects.get().transport_number == "G456"
    assert SelfDeclaration.objects.get().submissions == 2


def test_a_place_outside_the_tree_can_be_typed(client, world, public):
    response = post(client, world, origin_province="", origin_city="", origin_county="", origin_text="西藏拉萨")
    assert response.status_code == 200
    assert Arrival.objects.get().origin_name == "西藏拉萨"


def test_an_arrival_from_abroad_is_an_inbound_arrival(client, world, public):
    response = post(client, world, from_abroad="on", origin_province="", origin_city="", origin_county="",
                    origin_text="新加坡", released_from_centralized_isolation="on")
    assert response.status_code == 200
    arrival = Arrival.objects.get()
    assert arrival.category == "inbound" and arrival.released_from_centralized_isolation


@pytest.mark.parametrize("changes,field_label,message", [
    ({"arrived_on": "+2 days"}, "Arrival date", "cannot be in the future"),
    ({"arrived_on": "-400 days"}, "Arrival date", "within the last"),
    ({"arrived_on": "2022-02-30"}, "Arrival date", "Enter a valid date"),
    ({"negative_test_date": "+2 days"}, "Date of your last negative nucleic-acid test", "cannot be in the future"),
    ({"id_number": ID[:-1] + ("1" if ID[-1] != "1" else "2")}, "Document number", "does not match"),
    ({"id_number": ID[:10]}, "Document number", "has 18 characters"),
    ({"id_number": "41140219901307123X"}, "Document number", "birth date inside"),
    ({"id_type": "passport", "id_number": "E1234-567"}, "Document number", "letters and digits only"),
    ({"id_type": "passport", "id_number": "护照1234567"}, "Document number", "letters and digits only"),
    ({"id_type": "none"}, "Document type", "Select a valid choice"),
    ({"phone": "12345"}, "Mobile phone", "11-digit mainland mobile"),
    ({"name": ""}, "Full name", "This field is required"),
    ({"address": ""}, "Where you will stay in this community", "This field is required"),
    ({"promise": None}, "I promise that the information above is true and complete", "This field is required"),
    ({"origin_province": "", "origin_city": "", "origin_county": ""}, "Province", "Choose where you are coming from"),
    ({"from_abroad": "on", "origin_text": ""}, "Or type the place", "country and city"),
    ({"origin_city": "9999"}, "City", "Select a valid choice"),
    ({"transport": "rocket"}, "Means of transport", "Select a valid choice"),
    ({"name": "张" * 51}, "Full name", "at most 50 characters"),
])
def test_bad_input_is_named_next_to_its_field_and_nothing_is_registered(client, world, public, changes, field_label, message):
    # "+2 days" is read when the test runs, not when it is collected (a long run may cross midnight).
    changes = {k: (today() + dt.timedelta(days=int(v.split()[0]))).isoformat() if isinstance(v, str) and v.endswith(" days")
               else v for k, v in changes.items()}
    response = post(client, world, **changes)
    assert response.status_code == 200
    html = text(response)
    assert field_label in html and message in html, html[html.find('id="errors"'):][:800]
    assert re.search(r'<li><a href="#field-[a-z_]+">' + re.escape(field_label) + "</a>: [^<]*" + re.escape(message), html)
    assert not Arrival.objects.exists() and not Person.objects.exists()
    # The person's answers are kept, so they only fix what was wrong.
    if changes.get("name") is None and "name" not in changes:
        assert 'value="李四"' in html


def test_the_honeypot_refuses_the_form(client, world, public):
    response = post(client, world, website="http://spam.example")
    assert response.status_code == 400
    assert not Arrival.objects.exists()


def test_a_form_without_its_signed_render_time_is_refused(client, world, public):
    assert post(client, world, rendered="").status_code == 400
    assert post(client, world, rendered=aged_stamp("declare:411403001001")).status_code == 400  # another community's
    assert not Arrival.objects.exists()


def test_a_form_sent_too_fast_is_refused_but_keeps_the_input(client, world, public):
    response = post(client, world, rendered=aged_stamp(f"declare:{world.village.code}", seconds=0))
    assert response.status_code == 400
    html = text(response)
    assert "sent too quickly" in html and 'value="李四"' in html
    assert not Arrival.objects.exists()


def test_a_form_open_too_long_is_refused_but_keeps_the_input(client, world, public):
    stale = aged_stamp(f"declare:{world.village.code}", seconds=public["FORM_MAX_SECONDS"] + 60)
    response = post(client, world, rendered=stale)
    assert response.status_code == 400 and "open for too long" in text(response)
    assert not Arrival.objects.exists()


def test_a_refused_form_can_be_sent_again_with_its_new_render_time(client, world, public, monkeypatch):
    response = post(client, world, rendered=aged_stamp(f"declare:{world.village.code}", seconds=0))
    fresh = re.search(r'name="rendered" value="([^"]+)"', text(response)).group(1)
    from fangkong.control import public_views

    later = timezone.now() + dt.timedelta(seconds=10)
    monkeypatch.setattr(public_views, "now", lambda: later)
    assert post(client, world, rendered=fresh).status_code == 200
    assert Arrival.objects.count() == 1


def test_csrf_is_enforced(world, public):
    client = Client(enforce_csrf_checks=True)
    assert form_post(client, url(world), declaration_post(world)).status_code == 403
    assert not Arrival.objects.exists()


def test_a_body_over_the_limit_is_refused_before_it_is_read(client, world, public):
    response = post(client, world, route="x" * (public["MAX_BODY_BYTES"] + 1))
    assert response.status_code == 413
    assert not Arrival.objects.exists()


def test_a_post_that_is_not_a_plain_form_is_refused(client, world, public):
    as_json = client.post(url(world), declaration_post(world), content_type="application/json")
    multipart = client.post(url(world), declaration_post(world))  # the test client's default is multipart
    assert as_json.status_code == 415 and multipart.status_code == 415


def test_submissions_per_client_ip_are_limited(world, public, settings):
    settings.FANGKONG_PUBLIC = {**public, "SUBMIT_PER_IP": 2}
    client = Client()
    codes = [post(client, world, id_number=make_id_number(seq=f"{700 + i}")).status_code for i in range(3)]
    assert codes == [200, 200, 429]
    other_ip = post(client, world, id_number=make_id_number(seq="799"), ip="198.51.100.99")
    assert other_ip.status_code == 200
    assert Arrival.objects.count() == 3


def test_behind_a_trusted_proxy_the_forwarded_address_is_limited(world, public, settings):
    settings.FANGKONG_PUBLIC = {**public, "SUBMIT_PER_IP": 1, "TRUSTED_PROXIES": 1}
    client = Client()

    def via_proxy(claimed_and_real: str, seq: str):
        return form_post(client, url(world), declaration_post(world, id_number=make_id_number(seq=seq)),
                         REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=claimed_and_real)

    assert via_proxy("203.0.113.1", "701").status_code == 200
    assert via_proxy("203.0.113.2", "702").status_code == 200  # another client behind the same proxy
    # A client cannot escape its limit by sending its own X-Forwarded-For: the proxy appends the real address.
    assert via_proxy("192.0.2.99, 203.0.113.1", "703").status_code == 429


def test_a_limited_answer_says_when_to_retry(world, public, settings):
    settings.FANGKONG_PUBLIC = {**public, "SUBMIT_PER_IP": 0}
    response = post(Client(), world)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_declarations_per_community_are_limited_whatever_the_ip(world, public, settings):
    settings.FANGKONG_PUBLIC = {**public, "DECLARE_PER_COMMUNITY": 1}
    client = Client()
    assert post(client, world, ip="198.51.100.1").status_code == 200
    assert post(client, world, ip="198.51.100.2", id_number=make_id_number(seq="701")).status_code == 429
    assert Arrival.objects.count() == 1


def test_invalid_forms_do_not_use_up_the_communitys_allowance(world, public, settings):
    settings.FANGKONG_PUBLIC = {**public, "DECLARE_PER_COMMUNITY": 1}
    client = Client()
    for i in range(3):
        assert post(client, world, ip=f"198.51.100.{i}", phone="123").status_code == 200
    assert post(client, world, ip="198.51.100.50").status_code == 200
    assert Arrival.objects.count() == 1


def test_page_views_per_ip_are_limited(world, public, settings):
    settings.FANGKONG_PUBLIC = {**public, "VIEW_PER_IP": 2}
    client = Client()
    assert [client.get(url(world)).status_code for _ in range(3)] == [200, 200, 429]


def test_no_log_line_carries_an_id_number_or_a_phone(client, world, public, caplog):
    caplog.set_level(logging.DEBUG)
    post(client, world)
    post(client, world, website="bot")
    post(client, world, phone="12345")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "fangkong.public" in {r.name for r in caplog.records}
    for secret in (ID, ID[-6:], "13812345678", "李四"):
        assert secret not in logged


def test_the_picker_lists_the_places_under_a_choice_down_to_townships(client, world, tree, public):
    fragment = text(client.get(f"/d/{world.token}/places/", {"origin_province": "41"}))
    assert "商丘市" in fragment and "梁园区" not in fragment
    deeper = text(client.get(f"/d/{world.token}/places/", {"origin_province": "41", "origin_city": "4114",
                                                           "origin_county": "411402"}))
    assert tree["town_a"].name in deeper
    assert tree["village_a"].name not in deeper and tree["grid_a"].name not in deeper


def test_without_javascript_the_refine_button_shows_the_next_level(client, world, public):
    response = form_post(client, url(world), {**declaration_post(world, origin_city="", origin_county=""), "refine": "1"},
                         REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 200 and "市辖区" in text(response)
    assert not Arrival.objects.exists()


# --- the personal check-in page ---

@pytest.fixture
def link(world, public):
    worker = make_user("cadre", world.village.code, "grid_worker")
    person = person_register(area=world.building, household=world.household, name="钱七", id_number=make_id_number(seq="551"))
    arrival = arrivals_services.arrival_register(by=worker, person=person, household=world.household, category="inbound",
                                        origin_name="新加坡", arrived_on=today(), source="manual")
    return services.checkin_link_issue(by=worker, order=arrival.orders.get())


def checkin_url(link) -> str:
    return f"/c/{checkin_token(link.pk, link.nonce)}/"


def checkin_post(link, **changes) -> dict:
    data = {"temperature": "36.6", "rendered": aged_stamp(f"checkin:{link.pk}"), "website": ""}
    data.update(changes)
    return data


def test_the_person_sees_only_a_masked_name_and_todays_status(client, link):
    page = client.get(checkin_url(link))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    html = text(page)
    assert "钱*" in html and "钱七" not in html and make_id_number(seq="551") not in html
    assert "A nucleic-acid test is due today." in html
    assert re.search(r'data-figure="checkins">0 / 2<', html)


def test_a_checkin_through_the_link_is_recorded_as_self(client, link):
    response = form_post(client, checkin_url(link), checkin_post(link, symptoms=[]))
    assert response.status_code == 302 and response["Location"].endswith("?done=1")
    checkin = CheckIn.objects.get()
    assert checkin.by == "self" and str(checkin.temperature) == "36.6"
    after = text(client.get(response["Location"]))
    assert "Thank you, your check-in is recorded." in after and re.search(r'data-figure="checkins">1 / 2<', after)
    assert "passed to your community worker" not in after


def test_fever_through_the_link_escalates_and_tells_the_person(client, link):
    response = form_post(client, checkin_url(link), checkin_post(link, temperature="38.4", symptoms=["cough"]))
    link.order.refresh_from_db()
    assert link.order.status == ControlOrder.Status.ESCALATED
    assert "passed to your community worker" in text(client.get(response["Location"]))


@pytest.mark.parametrize("temperature,message", [("55", "at most 43.0"), ("30", "at least 34.0"), ("abc", "Enter a number")])
def test_an_impossible_temperature_is_named_and_not_recorded(client, link, temperature, message):
    response = form_post(client, checkin_url(link), checkin_post(link, temperature=temperature))
    assert response.status_code == 200 and message in text(response) and "Temperature" in text(response)
    assert not CheckIn.objects.exists()


def test_an_unknown_symptom_is_refused(client, link):
    response = form_post(client, checkin_url(link), checkin_post(link, symptoms=["sneezing"]))
    assert response.status_code == 200 and "Select a valid choice" in text(response)
    assert not CheckIn.objects.exists()


def test_a_revoked_link_answers_gone(client, link):
    services.checkin_link_revoke(by=DEMO, link=link)
    assert client.get(checkin_url(link)).status_code == 410
    assert form_post(client, checkin_url(link), checkin_post(link)).status_code == 410
    assert not CheckIn.objects.exists()


def test_an_expired_link_answers_gone(client, link):
    CheckinLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(checkin_url(link)).status_code == 410


def test_the_link_ends_with_the_order(client, link):
    ControlOrder.objects.filter(pk=link.order_id).update(status=ControlOrder.Status.RELEASED)
    assert client.get(checkin_url(link)).status_code == 410


def test_a_forged_link_is_not_found(client, link):
    assert client.get(f"/c/{checkin_token(link.pk, 'A' * 22)}/").status_code == 404
    assert client.get(f"/c/{link.pk}/").status_code == 404


def test_checkins_per_link_are_limited(client, link, settings):
    settings.FANGKONG_PUBLIC = {**settings.FANGKONG_PUBLIC, "CHECKIN_PER_LINK": 2}
    codes = [form_post(client, checkin_url(link), checkin_post(link), REMOTE_ADDR=f"198.51.100.{i}").status_code
             for i in range(3)]
    assert codes == [302, 302, 429]
    assert CheckIn.objects.count() == 2


def test_the_checkin_honeypot_and_render_time_protect_the_form(client, link):
    assert form_post(client, checkin_url(link), checkin_post(link, website="x")).status_code == 400
    assert form_post(client, checkin_url(link), checkin_post(link, rendered="")).status_code == 400
    too_fast = form_post(client, checkin_url(link), checkin_post(link, rendered=aged_stamp(f"checkin:{link.pk}", 0)))
    assert too_fast.status_code == 400
    assert not CheckIn.objects.exists()
