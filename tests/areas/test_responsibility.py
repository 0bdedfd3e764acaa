import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.areas import selectors, services
from fangkong.areas.models import Area, Responsible
from fangkong.people import services as people_services
from fangkong.people.models import Household
from tests.conftest import make_user


@pytest.fixture
def writer(tree):
    return make_user("town_writer", tree["county_a"].code, "district")


def assign(user, area, tier="grid_worker", name="孙丽娟", phone="13912345678", **kw):
    return services.responsible_assign(user=user, area=area, tier=tier, name=name, phone=phone, **kw)


def test_it_assigns_a_grid_worker_to_a_grid_with_a_normalised_phone(tree, writer):
    row = assign(writer, tree["grid_a"], phone="+86 139-1234-5678")
    assert row.phone == "13912345678" and row.area_code == tree["grid_a"].code and row.active


def test_it_rejects_a_phone_that_is_not_a_mainland_mobile(tree, writer):
    with pytest.raises(ValidationError) as exc:
        assign(writer, tree["grid_a"], phone="0370-1234567")
    assert "phone" in exc.value.error_dict


def test_it_rejects_an_empty_name(tree, writer):
    with pytest.raises(ValidationError) as exc:
        assign(writer, tree["grid_a"], name="  ")
    assert "name" in exc.value.error_dict


@pytest.mark.parametrize(
    "tier,node",
    [("county_leader", "village_a"), ("township_cadre", "town_a"), ("grid_worker", "village_a"), ("village_cadre", "town_a")],
)
def test_it_rejects_a_tier_that_does_not_fit_the_nodes_level(tree, writer, tier, node):
    with pytest.raises(ValidationError) as exc:
        assign(writer, tree[node], tier=tier)
    assert "tier" in exc.value.error_dict


@pytest.mark.parametrize(
    "tier,node",
    [("county_leader", "town_a"), ("township_cadre", "village_a"), ("village_cadre", "village_a"), ("grid_worker", "grid_a")],
)
def test_it_accepts_the_three_level_assignment(tree, writer, tier, node):
    assert assign(writer, tree[node], tier=tier).tier == tier


def test_a_node_outside_the_users_subtree_is_not_found(tree, writer):
    with pytest.raises(Http404):
        assign(writer, tree["grid_b"])


def test_a_read_only_user_cannot_assign(tree):
    reader = make_user("reader", tree["county_a"].code, "read_only")
    with pytest.raises(PermissionDenied):
        assign(reader, tree["grid_a"])


def _households(user, area, n):
    return [people_services.household_create(user=user, area=area) for _ in range(n)]


def test_replacing_moves_households_to_the_successor_and_keeps_history(tree, writer):
    cadre = assign(writer, tree["village_a"], tier="village_cadre", name="郑秀兰")
    homes = _households(writer, tree["grid_a"], 3)
    services.households_assign_responsible(user=writer, responsible=cadre, household_ids=[h.pk for h in homes])
    successor = services.responsible_replace(user=writer, responsible=cadre, name="王建军", phone="13800001111")
    cadre.refresh_from_db()
    assert not cadre.active and successor.active and successor.tier == "village_cadre"
    assert set(Household.objects.filter(responsible=successor).values_list("pk", flat=True)) == {h.pk for h in homes}
    history = list(cadre.history.order_by("history_date").values_list("active", "history_user__username"))
    assert history == [(True, "town_writer"), (False, "town_writer")]
    assert homes[0].history.count() == 3  # created, assigned, moved


def test_deactivating_leaves_its_households_with_nobody_responsible(tree, writer):
    cadre = assign(writer, tree["village_a"], tier="village_cadre")
    homes = _households(writer, tree["grid_a"], 2)
    services.households_assign_responsible(user=writer, responsible=cadre, household_ids=[h.pk for h in homes])
    services.responsible_deactivate(user=writer, responsible=cadre)
    assert not Household.objects.filter(responsible__isnull=False).exists()
    assert selectors.unassigned_counts(user=writer, area=tree["county_a"])["household"] == 2


def test_households_outside_the_cadres_village_are_refused(tree, city_user):
    cadre = services.responsible_assign(
        user=city_user, area=tree["village_a"], tier="village_cadre", name="郑秀兰", phone="13912345678"
    )
    elsewhere = _households(city_user, tree["grid_b"], 1)
    with pytest.raises(ValidationError):
        services.households_assign_responsible(user=city_user, responsible=cadre, household_ids=[elsewhere[0].pk])
    assert not Household.objects.filter(responsible=cadre).exists()


def test_households_go_only_to_a_village_cadre_or_grid_worker(tree, writer):
    leader = assign(writer, tree["town_a"], tier="county_leader")
    homes = _households(writer, tree["grid_a"], 1)
    with pytest.raises(ValidationError):
        services.households_assign_responsible(user=writer, responsible=leader, household_ids=[homes[0].pk])


def test_the_report_counts_nodes_and_households_with_nobody_responsible_per_level(tree, writer):
    Area.objects.create(code=tree["village_a"].code + "002", name="第二网格", parent=tree["village_a"], level=6)
    assign(writer, tree["grid_a"])
    assign(writer, tree["town_a"], tier="county_leader")
    _households(writer, tree["grid_a"], 3)
    counts = selectors.unassigned_counts(user=writer, area=tree["county_a"])
    assert counts == {"township": 0, "village": 1, "grid": 1, "household": 3}
    names = [a.name for a in selectors.unassigned_list(user=writer, area=tree["county_a"], kind="grid")]
    assert names == ["第二网格"]


def test_an_inactive_or_wrong_tier_row_does_not_count_as_responsible(tree, writer):
    row = assign(writer, tree["grid_a"])
    assign(writer, tree["grid_a"], tier="doctor")
    services.responsible_deactivate(user=writer, responsible=row)
    assert selectors.unassigned_counts(user=writer, area=tree["county_a"])["grid"] == 1


def test_the_report_never_counts_another_users_area(tree, user_a, writer):
    _households(writer, tree["grid_a"], 2)
    counts = selectors.unassigned_counts(user=user_a, area=tree["county_a"])
    assert counts["household"] == 2
    city_counts = selectors.unassigned_counts(user=make_user("c", tree["city"].code, "city_command"), area=tree["city"])
    assert city_counts["grid"] == 2 and city_counts["village"] == 2 and city_counts["township"] == 2


def test_the_report_costs_a_fixed_number_of_queries(tree, writer):
    for i in range(2, 12):
        Area.objects.create(code=tree["village_a"].code + f"{i:03d}", name=f"网格{i}", parent=tree["village_a"], level=6)
    _households(writer, tree["grid_a"], 30)
    with CaptureQueriesContext(connection) as ctx:
        selectors.unassigned_counts(user=writer, area=tree["county_a"])
        list(selectors.unassigned_list(user=writer, area=tree["county_a"], kind="household")[:50])
    assert len(ctx.captured_queries) == 5


def test_the_board_reads_the_whole_chain_in_one_query(tree, writer, django_assert_num_queries):
    city_user = make_user("chief", tree["city"].code, "city_command")
    assign(city_user, tree["town_a"], tier="county_leader", name="周建国", phone="13900000001")
    assign(city_user, tree["village_a"], tier="township_cadre", name="吴志强", phone="13900000002")
    assign(city_user, tree["village_a"], tier="village_cadre", name="郑秀兰", phone="13900000003")
    assign(city_user, tree["grid_a"], tier="grid_worker", name="孙丽娟", phone="13900000004")
    assign(city_user, tree["grid_b"], tier="grid_worker", name="别处人", phone="13900000005")
    grid_worker = make_user("gw", tree["grid_a"].code, "grid_worker")
    with django_assert_num_queries(3):  # the grid, the chain of responsibles, the chain of nodes
        board = selectors.grid_board(user=grid_worker, code=tree["grid_a"].code)
    assert [r.name for r in board["county_leaders"]] == ["周建国"]
    assert [r.name for r in board["township_cadres"]] == ["吴志强"]
    assert [r.name for r in board["village_cadres"]] == ["郑秀兰"]
    assert [r.name for r in board["grid_workers"]] == ["孙丽娟"]


def test_the_page_assigns_and_shows_field_errors(client, tree, writer):
    client.force_login(writer)
    url = reverse("areas:responsible_add", args=[tree["grid_a"].code])
    bad = client.post(url, {"tier": "grid_worker", "name": "孙丽娟", "phone": "12345"})
    assert bad.status_code == 400 and bad.context["form"].errors["phone"]
    good = client.post(url, {"tier": "grid_worker", "name": "孙丽娟", "phone": "13912345678"})
    assert good.status_code == 302
    assert Responsible.objects.get(area=tree["grid_a"]).name == "孙丽娟"


def test_the_page_offers_only_tiers_that_fit_the_node(client, tree, writer):
    client.force_login(writer)
    form = client.get(reverse("areas:detail", args=[tree["town_a"].code])).context["form"]
    assert {v for v, _ in form.fields["tier"].choices} == {"county_leader", "other"}


def test_replace_page_hands_over_and_lists_history(client, tree, writer):
    row = assign(writer, tree["grid_a"])
    client.force_login(writer)
    url = reverse("areas:responsible_replace", args=[row.pk])
    assert client.post(url, {"name": "新人", "phone": "13700000000"}).status_code == 302
    assert Responsible.objects.get(area=tree["grid_a"], active=True).name == "新人"
    assert client.get(url).status_code == 404  # the old row is off the chain


def test_a_user_of_another_area_cannot_deactivate(client, tree, writer, user_b):
    row = assign(writer, tree["grid_a"])
    client.force_login(user_b)
    assert client.post(reverse("areas:responsible_deactivate", args=[row.pk])).status_code == 404
    row.refresh_from_db()
    assert row.active


def test_the_assign_page_puts_ticked_households_under_a_cadre(client, tree, writer):
    cadre = assign(writer, tree["village_a"], tier="village_cadre", name="郑秀兰")
    homes = _households(writer, tree["grid_a"], 3)
    client.force_login(writer)
    url = reverse("areas:households_assign", args=[tree["grid_a"].code])
    page = client.get(url)
    assert [r.pk for r in page.context["candidates"]] == [cadre.pk]
    response = client.post(url, {"responsible": cadre.pk, "household": [homes[0].pk, homes[1].pk]})
    assert response.status_code == 302
    assert set(Household.objects.filter(responsible=cadre).values_list("pk", flat=True)) == {homes[0].pk, homes[1].pk}
    assert [h.pk for h in client.get(url).context["page"]] == [homes[2].pk]


def test_the_assign_page_refuses_a_cadre_of_another_village(client, tree, city_user):
    other = services.responsible_assign(user=city_user, area=tree["village_b"], tier="village_cadre", name="外村", phone="13900000009")
    homes = _households(city_user, tree["grid_a"], 1)
    client.force_login(city_user)
    response = client.post(reverse("areas:households_assign", args=[tree["grid_a"].code]), {"responsible": other.pk, "household": [homes[0].pk]})
    assert response.status_code == 400
    assert not Household.objects.filter(responsible__isnull=False).exists()
