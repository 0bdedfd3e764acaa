import pytest
from django.urls import reverse

from fangkong.areas.models import Area
from fangkong.core.models import AccessLog
from fangkong.people.models import Household, Person
from tests.conftest import make_user
from tests.web.city import populate


@pytest.fixture
def city(tree):
    return populate(tree, households_per_grid=4)


def login(client, user):
    client.force_login(user)
    return client


def test_the_tree_shows_household_and_person_counts_for_each_child(client, tree, city, city_user):
    page = login(client, city_user).get(reverse("areas:detail", args=[tree["village_a"].code]))
    assert page.status_code == 200
    children = {c.code: c for c in page.context["children"]}
    grid = tree["grid_a"]
    assert children[grid.code].household_count == Household.objects.filter(area=grid).count() == 4
    assert children[grid.code].person_count == Person.objects.filter(area=grid).count()


def test_tree_counts_cost_the_same_queries_whatever_the_number_of_children(client, tree, city, city_user):
    client = login(client, city_user)
    url = reverse("areas:detail", args=[tree["village_a"].code])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(3, 13):
        Area.objects.create(code=f"{tree['village_a'].code}{i:03d}", name=f"网格{i}", parent=tree["village_a"], level=6)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_breadcrumbs_stop_at_the_users_own_node(client, tree, user_a):
    page = login(client, user_a).get(reverse("areas:detail", args=[tree["grid_a"].code]))
    crumbs = [a.code for a in page.context["breadcrumbs"]]
    assert crumbs == [tree["county_a"].code, tree["town_a"].code, tree["village_a"].code]
    assert tree["city"].name not in page.content.decode().split("<h1>")[0]


def test_search_finds_areas_only_in_the_users_subtree(client, tree, user_a):
    page = login(client, user_a).get(reverse("areas:search"), {"q": "网格"})
    names = [a.name for a in page.context["results"]]
    assert names == [tree["grid_a"].name]


def test_search_as_you_type_returns_a_fragment_to_htmx(client, tree, user_a):
    page = login(client, user_a).get(reverse("areas:search"), {"q": tree["village_a"].code}, HTTP_HX_REQUEST="true")
    body = page.content.decode()
    assert "<html" not in body and tree["village_a"].name in body


@pytest.mark.parametrize(
    "name,args",
    [
        ("areas:detail", ["village_b"]),
        ("areas:board", ["grid_b"]),
        ("areas:unassigned", ["county_b"]),
        ("areas:teams", ["county_b"]),
        ("areas:roster", ["county_b"]),
    ],
)
def test_pages_of_another_area_are_not_found(client, tree, user_a, name, args):
    url = reverse(name, args=[tree[a].code for a in args])
    assert login(client, user_a).get(url).status_code == 404


def test_lists_filtered_by_a_node_of_another_area_are_not_found(client, tree, user_a):
    client = login(client, user_a)
    assert client.get(reverse("people:list"), {"area": tree["county_b"].code}).status_code == 404
    assert client.get(reverse("people:households"), {"area": tree["county_b"].code}).status_code == 404


def test_person_and_household_details_of_another_area_are_not_found(client, tree, city, user_a):
    other = Person.objects.filter(area=tree["grid_b"]).first()
    client = login(client, user_a)
    assert client.get(reverse("people:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("people:household", args=[other.household_id])).status_code == 404


def test_the_person_list_shows_masked_numbers_only(client, tree, city, user_a):
    page = login(client, user_a).get(reverse("people:list"), {"area": tree["grid_a"].code})
    body = page.content.decode()
    person = page.context["page"].object_list[0]
    from fangkong.core.crypto import unseal

    assert person.id_number_masked in body
    assert unseal(person.id_number_sealed) not in body
    assert page["Cache-Control"] == "no-store"


def test_the_person_list_filters_by_node(client, tree, city, city_user):
    page = login(client, city_user).get(reverse("people:list"), {"area": city["grid_a2"].code})
    assert {p.area_code for p in page.context["page"].object_list} == {city["grid_a2"].code}


def test_a_grid_worker_reveals_a_number_with_a_reason_and_it_is_logged(client, tree, city, user_a):
    from fangkong.core.crypto import unseal

    person = Person.objects.filter(area=tree["grid_a"]).exclude(phone_sealed="").first()
    url = reverse("people:detail", args=[person.pk])
    page = login(client, user_a).post(url, {"reason": "电话随访"})
    assert unseal(person.id_number_sealed) in page.content.decode()
    log = AccessLog.objects.get(object_id=str(person.pk), action="view_unmasked")
    assert log.username == "alice" and log.reason == "电话随访"


def test_a_reveal_without_a_reason_shows_an_error_and_logs_nothing(client, tree, city, user_a):
    from fangkong.core.crypto import unseal

    person = Person.objects.filter(area=tree["grid_a"]).first()
    page = login(client, user_a).post(reverse("people:detail", args=[person.pk]), {"reason": "  "})
    assert page.status_code == 400
    assert unseal(person.id_number_sealed) not in page.content.decode()
    assert not AccessLog.objects.exists()


def test_a_read_only_user_gets_no_reveal_form_and_cannot_reveal(client, tree, city):
    from fangkong.core.crypto import unseal

    reader = make_user("reader", tree["county_a"].code, "read_only")
    person = Person.objects.filter(area=tree["grid_a"]).first()
    client = login(client, reader)
    assert 'name="reason"' not in client.get(reverse("people:detail", args=[person.pk])).content.decode()
    page = client.post(reverse("people:detail", args=[person.pk]), {"reason": "just looking"})
    assert unseal(person.id_number_sealed) not in page.content.decode()
    assert not AccessLog.objects.exists()


def test_the_household_page_lists_members_and_the_responsible_cadre(client, tree, city, user_a):
    household = Household.objects.filter(area=tree["grid_a"]).first()
    page = login(client, user_a).get(reverse("people:household", args=[household.pk]))
    body = page.content.decode()
    assert city["chain"]["village_cadre"].name in body
    for person in household.members.all():
        assert person.name in body and person.id_number_masked in body


def test_the_dashboard_shows_the_areas_key_counts(client, tree, city, user_a):
    page = login(client, user_a).get(reverse("web:home"))
    counts = page.context["counts"]
    assert counts["households"] == 8  # two grids of county A, four households each
    assert counts["persons"] == Person.objects.filter(area_code__startswith=tree["county_a"].code).count()
    assert counts["coverage_percent"] == 50.0
    assert page.context["nodes_without"] == 1  # the second grid has no grid worker
    assert 'data-figure="coverage">50.0 %' in page.content.decode()


def test_the_board_lists_the_chain_with_phones(client, tree, city, user_a):
    page = login(client, user_a).get(reverse("areas:board", args=[tree["grid_a"].code]))
    body = page.content.decode()
    for row in city["chain"].values():
        assert row.name in body and row.phone in body
    assert tree["grid_a"].code in body


def test_the_board_shows_a_vacant_post_for_a_grid_without_a_worker(client, tree, city, user_a):
    page = login(client, user_a).get(reverse("areas:board", args=[city["grid_a2"].code]))
    assert page.context["grid_workers"] == []
    assert 'class="vacant"' in page.content.decode()


def test_the_board_is_only_for_grids(client, tree, user_a):
    assert login(client, user_a).get(reverse("areas:board", args=[tree["village_a"].code])).status_code == 404


def test_the_board_page_carries_print_css_for_a4(client, tree, user_a):
    from pathlib import Path

    from django.contrib.staticfiles import finders

    css = Path(finders.find("fangkong/site.css")).read_text(encoding="utf-8")
    assert "@page { size: A4" in css and "@media print" in css


def test_the_language_switch_turns_the_page_to_english_and_back(client, tree, user_a):
    client = login(client, user_a)
    url = reverse("areas:detail", args=[tree["county_a"].code])
    client.post(reverse("set_language"), {"language": "en", "next": url})
    assert 'lang="en"' in client.get(url).content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": url})
    assert 'lang="zh-hans"' in client.get(url).content.decode()


def test_pages_load_nothing_from_the_internet(client, tree, city, user_a):
    import re

    client = login(client, user_a)
    for url in (reverse("web:home"), reverse("areas:board", args=[tree["grid_a"].code]), reverse("people:list")):
        body = client.get(url).content.decode()
        assert not re.search(r'(src|href)="(https?:)?//', body), url


def test_counts_leave_out_records_merged_into_another(client, tree, city, city_user):
    duplicate, survivor = Person.objects.filter(area=tree["grid_a"])[:2]
    before = login(client, city_user).get(reverse("areas:detail", args=[tree["village_a"].code]))
    Person.objects.filter(pk=duplicate.pk).update(merged_into=survivor)
    after = client.get(reverse("areas:detail", args=[tree["village_a"].code]))
    count = {c.code: c.person_count for c in after.context["children"]}
    assert count[tree["grid_a"].code] == {c.code: c.person_count for c in before.context["children"]}[tree["grid_a"].code] - 1
    assert after.context["counts"]["persons"] == before.context["counts"]["persons"] - 1


def test_expanding_a_child_returns_its_children_as_a_fragment(client, tree, city, city_user):
    page = login(client, city_user).get(
        reverse("areas:detail", args=[tree["town_a"].code]), {"fragment": "children"}, HTTP_HX_REQUEST="true"
    )
    body = page.content.decode()
    assert "<html" not in body and 'id="children"' not in body
    assert tree["village_a"].name in body


def test_the_chinese_pages_label_an_area_name_as_a_name_not_a_persons_name(client, tree, user_a):
    """Issue 12 §6: area cards on a phone said 姓名 (a person's name) for an area's name."""
    client.force_login(user_a)
    page = client.get(f"/areas/{tree['county_a'].code}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-label="名称"' in page and 'data-label="姓名"' not in page.split("<tbody")[1].split("</tbody>")[0]
