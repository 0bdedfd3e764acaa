from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.areas.models import Responsible
from tests.conftest import area


def test_it_shows_an_area_by_short_or_national_code(people, user_a, tree, api_as):
    api = api_as(user_a)
    short = api.get(f"/areas/{tree['county_a'].code}")
    national = api.get("/areas/411402000000")
    assert short.status_code == 200 and national.status_code == 200
    assert short.json() == national.json()
    assert short.json()["national_code"] == "411402000000"
    assert short.json()["households"] == 1 and short.json()["persons"] == 2


def test_it_reads_a_12_digit_code_as_its_deepest_division(tree, user_a, api_as):
    # "411402001000" could be the township 411402001 or a village of that code: the village wins.
    village = area("411402001000", "零号村", tree["town_a"], 5)
    r = api_as(user_a).get("/areas/411402001000")
    assert r.json()["code"] == village.code and r.json()["level_name"] == "village"


def test_it_hides_areas_outside_the_callers_subtree(tree, user_a, api_as):
    api = api_as(user_a)
    for code in (tree["county_b"].code, tree["city"].code, "411403000000"):
        assert api.get(f"/areas/{code}").status_code == 404
        assert api.get(f"/areas/{code}/children").status_code == 404
        assert api.get(f"/areas/{code}/responsibles").status_code == 404


def test_it_lists_children_with_counts_in_a_constant_number_of_queries(people, tree, city_user, api_as):
    api = api_as(city_user)
    api.get("/areas")  # the token's first use writes last_used_at; keep that out of the count
    with CaptureQueriesContext(connection) as few:
        r = api.get(f"/areas/{tree['city'].code}/children")
    assert r.status_code == 200
    counts = {c["code"]: (c["households"], c["persons"]) for c in r.json()}
    assert counts == {"411402": (1, 2), "411403": (1, 1)}
    for n in range(4, 14):
        area(f"4114{n:02d}", f"县{n}", tree["city"], 3)
    with CaptureQueriesContext(connection) as many:
        api.get(f"/areas/{tree['city'].code}/children")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_it_lists_the_responsible_people_of_a_node(tree, user_a, user_b, api_as):
    Responsible.objects.create(
        area=tree["grid_a"], area_code=tree["grid_a"].code, tier="grid_worker", name="王网格", phone="13700001111"
    )
    r = api_as(user_a).get(f"/areas/{tree['grid_a'].code}/responsibles")
    assert r.status_code == 200
    assert [(p["name"], p["phone"], p["tier"]) for p in r.json()] == [("王网格", "13700001111", "grid_worker")]
    assert api_as(user_b).get(f"/areas/{tree['grid_a'].code}/responsibles").status_code == 404


def test_it_searches_areas_by_name_within_the_callers_subtree(tree, user_a, api_as):
    r = api_as(user_a).get("/areas", q="网格")
    assert r.status_code == 200
    assert [a["code"] for a in r.json()["items"]] == [tree["grid_a"].code]
    assert api_as(user_a).get("/areas", q="睢阳").json()["count"] == 0


def test_it_rejects_a_code_with_letters_naming_the_field(user_a, api_as):
    r = api_as(user_a).get("/areas/41abc")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "code"
