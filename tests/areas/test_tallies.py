"""Precomputed counts under the big nodes (AreaTally): what they count and when they apply."""

from django.core.management import call_command

from fangkong.areas import selectors
from fangkong.areas.models import AreaTally
from fangkong.areas.services import tallies_refresh
from fangkong.core.permissions import SCHEDULER
from fangkong.people.models import Household, Person
from tests.conftest import make_user


def populate(tree, households: int = 3) -> None:
    for key in ("a", "b"):
        grid = tree[f"grid_{key}"]
        for i in range(households):
            household = Household.objects.create(code=f"{grid.code}{i:04d}", area=grid, area_code=grid.code)
            for _ in range(2):
                Person.objects.create(household=household, area=grid, area_code=grid.code, name="某某")


def counts(user, area) -> dict:
    return {c.code: (c.household_count, c.person_count) for c in selectors.children_with_counts(user=user, area=area)}


def test_the_tally_counts_what_the_live_counts_count(tree):
    populate(tree)
    chief = make_user("chief", tree["city"].code, "city_command")
    live = counts(chief, tree["city"])
    live_figures = selectors.area_counts(user=chief, area=tree["city"])
    tallies_refresh(by=SCHEDULER)
    assert counts(chief, tree["city"]) == live == {tree["county_a"].code: (3, 6), tree["county_b"].code: (3, 6)}
    figures = selectors.area_counts(user=chief, area=tree["city"])
    assert figures["counted_at"] is not None and live_figures["counted_at"] is None
    assert {k: v for k, v in figures.items() if k != "counted_at"} == {k: v for k, v in live_figures.items() if k != "counted_at"}
    assert not AreaTally.objects.filter(code=tree["village_a"].code).exists()  # villages and below: always live


def test_big_nodes_show_the_last_tally_and_small_ones_live_counts_until_the_next_refresh(tree):
    populate(tree)
    chief = make_user("chief", tree["city"].code, "city_command")
    call_command("areas", "tally", "--json")
    grid = tree["grid_a"]
    Person.objects.create(area=grid, area_code=grid.code, name="新来")
    assert counts(chief, tree["city"])[tree["county_a"].code] == (3, 6)  # as of the tally
    assert counts(chief, tree["village_a"])[grid.code] == (3, 7)  # a grid: live
    tallies_refresh(by=SCHEDULER)
    assert counts(chief, tree["city"])[tree["county_a"].code] == (3, 7)


def test_a_user_sees_only_the_tallies_of_nodes_in_their_subtree(tree, user_a):
    populate(tree)
    tallies_refresh(by=SCHEDULER)
    county_user = make_user("county", tree["county_a"].code, "district")
    assert set(counts(county_user, tree["county_a"])) == {tree["town_a"].code}


def test_the_api_counts_as_the_pages_do_from_the_same_tally(tree, client, token_for):
    """One counts selector (areas.selectors.counts_of): before, the API counted live while the pages showed the
    tally, so the same county had two different figures at once."""
    populate(tree)
    chief = make_user("chief", tree["city"].code, "city_command")
    tallies_refresh(by=SCHEDULER)
    grid = tree["grid_a"]
    Person.objects.create(area=grid, area_code=grid.code, name="新来")  # after the tally
    answer = client.get(f"/api/v1/areas/{tree['city'].code}/children", **token_for(chief)).json()
    api = {row["code"]: (row["households"], row["persons"]) for row in answer}
    assert api == counts(chief, tree["city"]) == {tree["county_a"].code: (3, 6), tree["county_b"].code: (3, 6)}
    village = client.get(f"/api/v1/areas/{tree['village_a'].code}/children", **token_for(chief)).json()
    assert {row["code"]: row["persons"] for row in village} == {grid.code: 7}  # a grid: live, in both
