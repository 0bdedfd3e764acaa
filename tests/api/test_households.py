from fangkong.people.models import Household


def test_it_creates_a_household_with_the_next_free_code(people, user_a, tree, api_as):
    r = api_as(user_a).post("/households", {"area_code": tree["grid_a"].code, "address": " 梁园区  三号 "})
    assert r.status_code == 201, r.content
    assert r.json()["code"] == tree["grid_a"].code + "0002"
    assert r.json()["address"] == "梁园区 三号"


def test_it_rejects_a_household_code_that_exists(people, user_a, tree, api_as):
    r = api_as(user_a).post("/households", {"area_code": tree["grid_a"].code, "code": people["hh_a"].code})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "code"


def test_it_rejects_a_household_code_outside_its_area(people, user_a, tree, api_as):
    r = api_as(user_a).post("/households", {"area_code": tree["grid_a"].code, "code": tree["grid_b"].code + "0099"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "code"


def test_it_does_not_create_a_household_in_another_area(tree, user_a, api_as):
    r = api_as(user_a).post("/households", {"area_code": tree["grid_b"].code})
    assert r.status_code == 404
    assert r.json()["errors"][0]["field"] is None or r.json()["errors"][0]["field"] == "area_code"
    assert not Household.objects.exists()


def test_it_lists_households_of_the_callers_area_with_filters(people, user_a, city_user, api_as):
    mine = api_as(user_a).get("/households").json()
    assert [h["id"] for h in mine["items"]] == [people["hh_a"].pk]
    everyone = api_as(city_user)
    assert everyone.get("/households").json()["count"] == 2
    assert [h["id"] for h in everyone.get("/households", address="睢阳").json()["items"]] == [people["hh_b"].pk]
    assert everyone.get("/households", code=people["hh_a"].code[:12]).json()["count"] == 1


def test_it_updates_a_household_address(people, user_a, api_as):
    r = api_as(user_a).patch(f"/households/{people['hh_a'].pk}", {"address": "新地址"})
    assert r.status_code == 200 and r.json()["address"] == "新地址"
    assert Household.objects.get(pk=people["hh_a"].pk).history.count() == 2


def test_it_does_not_show_or_change_a_household_of_another_area(people, user_a, api_as):
    api = api_as(user_a)
    pk = people["hh_b"].pk
    assert api.get(f"/households/{pk}").status_code == 404
    assert api.get(f"/households/{pk}/members").status_code == 404
    assert api.patch(f"/households/{pk}", {"address": "x"}).status_code == 404
    assert Household.objects.get(pk=pk).address == "睢阳区二号"


def test_it_lists_the_members_of_a_household_masked(people, user_a, api_as):
    r = api_as(user_a).get(f"/households/{people['hh_a'].pk}/members")
    assert r.status_code == 200
    assert {p["name"] for p in r.json()} == {"张三", "张小花"}
    assert all(p["masked"] for p in r.json())


def test_it_refuses_household_writes_to_a_read_only_role(people, reader_a, tree, api_as):
    api = api_as(reader_a)
    assert api.post("/households", {"area_code": tree["grid_a"].code}).status_code == 403
    assert api.patch(f"/households/{people['hh_a'].pk}", {"address": "x"}).status_code == 403


def test_it_rejects_a_non_numeric_household_id_with_422(user_a, api_as):
    r = api_as(user_a).get("/households/abc")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "pk"
