from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from fangkong.areas import selectors, services
from fangkong.areas.models import Team
from fangkong.areas.rules import team_size_problems


def tracing(user, area, **kw):
    return services.team_create(user=user, area=area, kind=Team.Kind.TRACING, name="流调队", **kw)


def add_members(user, team, n, police):
    for i in range(n):
        services.team_member_add(user=user, team=team, name=f"队员{i}", phone=f"137{i:08d}", is_police=i < police)


def test_a_county_tracing_team_gets_the_30_to_50_rule(tree, city_user):
    team = tracing(city_user, tree["county_a"])
    assert (team.min_members, team.max_members, team.min_police_share) == (30, 50, Decimal("0.30"))


def test_a_city_or_central_district_tracing_team_needs_at_least_60(tree, city_user):
    city_team = tracing(city_user, tree["city"])
    central = tracing(city_user, tree["county_b"], central=True)
    for team in (city_team, central):
        assert (team.min_members, team.max_members) == (60, None)


def test_an_explicit_rule_is_kept(tree, city_user):
    team = tracing(city_user, tree["county_a"], min_members=40, max_members=45, min_police_share=Decimal("0.5"))
    assert (team.min_members, team.max_members, team.min_police_share) == (40, 45, Decimal("0.5"))


def test_other_teams_get_no_size_rule(tree, city_user):
    team = services.team_create(user=city_user, area=tree["city"], kind=Team.Kind.GROUP, name="综合协调组")
    assert team.min_members is None and selectors.team_size_check(team=team) == []


def test_the_check_flags_a_team_below_its_minimum_and_short_of_police(tree, city_user):
    team = tracing(city_user, tree["county_a"])
    add_members(city_user, team, 10, police=2)
    codes = [p.code for p in selectors.team_size_check(team=team)]
    assert codes == ["too_few", "too_few_police"]


def test_the_check_passes_a_team_that_meets_the_rule(tree, city_user):
    team = tracing(city_user, tree["county_a"])
    add_members(city_user, team, 30, police=9)
    assert selectors.team_size_check(team=team) == []


def test_the_check_flags_a_county_team_above_50():
    problems = team_size_problems(members=51, police=20, min_members=30, max_members=50, min_police_share=Decimal("0.3"))
    assert [p.code for p in problems] == ["too_many"]


def test_it_rejects_a_duplicate_team_name_at_a_node(tree, city_user):
    tracing(city_user, tree["county_a"])
    with pytest.raises(ValidationError) as exc:
        tracing(city_user, tree["county_a"])
    assert "name" in exc.value.error_dict


def test_it_rejects_a_maximum_below_the_minimum(tree, city_user):
    with pytest.raises(ValidationError) as exc:
        tracing(city_user, tree["county_a"], min_members=40, max_members=30)
    assert "max_members" in exc.value.error_dict


def test_it_rejects_a_member_without_a_mobile(tree, city_user):
    team = tracing(city_user, tree["county_a"])
    with pytest.raises(ValidationError):
        services.team_member_add(user=city_user, team=team, name="张三", phone="110")


def test_a_team_of_another_area_is_out_of_reach(client, tree, city_user, user_a):
    team = tracing(city_user, tree["county_b"])
    with pytest.raises(Http404):
        services.team_member_add(user=user_a, team=team, name="张三", phone="13700000000")
    client.force_login(user_a)
    assert client.get(reverse("areas:team", args=[team.pk])).status_code == 404


def test_the_team_page_shows_the_size_rule_check(client, tree, city_user):
    team = tracing(city_user, tree["county_a"])
    add_members(city_user, team, 3, police=0)
    client.force_login(city_user)
    body = client.get(reverse("areas:team", args=[team.pk])).content.decode()
    assert 'id="size-rule"' in body and 'class="problems"' in body


def test_teams_are_created_and_edited_through_the_pages(client, tree, city_user):
    client.force_login(city_user)
    url = reverse("areas:teams", args=[tree["county_a"].code])
    response = client.post(url, {"kind": "tracing", "name": "梁园区流调队"})
    team = Team.objects.get(name="梁园区流调队")
    assert response.status_code == 302 and team.min_members == 30
    page = reverse("areas:team", args=[team.pk])
    client.post(page, {"action": "member", "name": "李警官", "phone": "13600000000", "is_police": "on"})
    assert team.members.get().is_police
    client.post(page, {"action": "edit", "kind": "tracing", "name": "流调一队", "min_members": "35", "max_members": "50", "min_police_share": "0.30"})
    team.refresh_from_db()
    assert (team.name, team.min_members) == ("流调一队", 35)
    assert [t.name for t in client.get(url).context["teams"]] == ["流调一队"]


def test_the_team_list_counts_members_without_a_query_per_team(tree, city_user, django_assert_num_queries):
    for i in range(5):
        team = services.team_create(user=city_user, area=tree["city"], kind="group", name=f"组{i}")
        add_members(city_user, team, i, police=1 if i else 0)
    with django_assert_num_queries(1):
        rows = [(t.name, t.member_count, t.police_count) for t in selectors.team_list(user=city_user)]
    assert rows[4] == ("组4", 4, 1)


def test_the_size_rule_comes_from_the_profile_in_force(tree, city_user, tmp_path, settings):
    # A headquarters that changes the rule in its profile (issue 15: a minimum of 40, no maximum) gets it in
    # new teams without a code change.
    from fangkong.policy.profile import PROFILE_DIR

    text = (PROFILE_DIR / "seed-2021.yaml").read_text(encoding="utf-8")
    text = text.replace("  min_members: 30\n  max_members: 50\n", "  min_members: 40\n  max_members: null\n")
    path = tmp_path / "custom.yaml"
    path.write_text(text.replace("name: seed-2021", "name: custom"), encoding="utf-8")
    settings.FANGKONG_DEFAULT_PROFILE = str(path)
    team = tracing(city_user, tree["county_a"])
    assert (team.min_members, team.max_members, team.min_police_share) == (40, None, Decimal("0.30"))
