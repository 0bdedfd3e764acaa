import datetime as dt

from fangkong.core.clock import today
from fangkong.core.models import AccessLog
from fangkong.people.models import Person
from tests.conftest import make_id_number

from .conftest import ID_A, ID_B, PHONE_A


def test_it_lists_only_persons_of_the_callers_area(people, user_a, api_as):
    r = api_as(user_a).get("/persons")
    assert r.status_code == 200
    names = {p["name"] for p in r.json()["items"]}
    assert names == {"张三", "张小花"}
    assert r.json()["count"] == 2


def test_it_masks_id_numbers_and_phones_in_lists(people, user_a, api_as):
    items = api_as(user_a).get("/persons").json()["items"]
    zhang = next(p for p in items if p["name"] == "张三")
    assert zhang["id_number"] == ID_A[:6] + "*" * 11 + ID_A[-1:]
    assert zhang["phone"] == "138****5678"
    assert zhang["masked"] is True


def test_it_pages_on_limit_and_offset(people, city_user, api_as):
    api = api_as(city_user)
    first = api.get("/persons", limit=2, offset=0).json()
    second = api.get("/persons", limit=2, offset=2).json()
    assert first["count"] == 3 and len(first["items"]) == 2 and len(second["items"]) == 1
    assert {p["id"] for p in first["items"]}.isdisjoint({p["id"] for p in second["items"]})


def test_it_filters_by_name_sex_birth_range_tag_residence_household(people, city_user, api_as):
    api = api_as(city_user)

    def names(**params):
        r = api.get("/persons", **params)
        assert r.status_code == 200, r.content
        return {p["name"] for p in r.json()["items"]}

    assert names(name="张") == {"张三", "张小花"}
    assert names(sex="F") == {"李四"}
    assert names(born_from="1988-01-01", born_to="1995-12-31") == {"张三"}
    assert names(tag="student") == {"张三"}
    assert names(residence="away") == set()
    assert names(household_id=people["hh_b"].pk) == {"李四"}
    assert names(area_code="411403") == {"李四"}
    assert names(area_code="411403000000") == {"李四"}


def test_it_rejects_a_malformed_filter_naming_the_field(people, user_a, api_as):
    r = api_as(user_a).get("/persons", born_from="yesterday")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "born_from"


def test_it_shows_a_person_of_another_area_as_not_found(people, user_a, api_as):
    r = api_as(user_a).get(f"/persons/{people['p_b'].pk}")
    assert r.status_code == 404
    assert r.json()["errors"] == [{"field": "pk", "reason": "no such record in your area"}]


def test_it_unmasks_for_a_grid_worker_with_a_reason_and_logs_it(people, user_a, api_as):
    r = api_as(user_a).get(f"/persons/{people['p_a'].pk}", unmask="true", reason="calling about a test")
    assert r.status_code == 200
    assert r.json()["id_number"] == ID_A and r.json()["phone"] == PHONE_A and r.json()["masked"] is False
    entry = AccessLog.objects.get(action="view_unmasked")
    assert (entry.username, entry.object_id, entry.reason) == ("alice", str(people["p_a"].pk), "calling about a test")


def test_it_requires_a_reason_to_unmask(people, user_a, api_as):
    r = api_as(user_a).get(f"/persons/{people['p_a'].pk}", unmask="true")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "reason"
    assert not AccessLog.objects.exists()


def test_it_refuses_to_unmask_for_a_role_that_does_not_need_full_values(people, lab_a, api_as):
    r = api_as(lab_a).get(f"/persons/{people['p_a'].pk}", unmask="true", reason="curious")
    assert r.status_code == 403
    assert r.json()["errors"][0]["field"] == "unmask"
    assert ID_A not in r.content.decode()


def test_it_finds_a_person_by_exact_id_number_in_a_post_and_logs_the_lookup(people, user_a, api_as):
    r = api_as(user_a).post("/persons/search", {"id_number": ID_A.lower()})
    assert r.status_code == 200
    assert r.json()["id"] == people["p_a"].pk
    assert r.json()["masked"] is True
    entry = AccessLog.objects.get(action="lookup_document")
    assert entry.object_id == str(people["p_a"].pk) and entry.username == "alice"


def test_it_does_not_find_a_person_of_another_area_by_id_number(people, user_a, api_as):
    r = api_as(user_a).post("/persons/search", {"id_number": ID_B})
    assert r.status_code == 404
    assert r.json()["errors"][0]["field"] == "id_number"
    assert AccessLog.objects.filter(action="lookup_document", object_id="").count() == 1


def test_it_finds_a_passport_holder_by_document_number(people, user_a, api_as):
    r = api_as(user_a).post("/persons/search", {"id_type": "passport", "id_number": "e1234567"})
    assert r.status_code == 200 and r.json()["name"] == "张小花"


def test_it_rejects_a_search_with_an_invalid_id_number(people, user_a, api_as):
    r = api_as(user_a).post("/persons/search", {"id_number": ID_A[:-1] + ("0" if ID_A[-1] != "0" else "1")})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "id_number"
    assert "check character" in r.json()["errors"][0]["reason"]


def test_it_creates_a_person_in_a_household_deriving_birth_date_and_sex(people, user_a, api_as):
    number = make_id_number("411402", "20100615", "022")
    r = api_as(user_a).post(
        "/persons", {"name": " 张 小明 ", "household_id": people["hh_a"].pk, "id_number": number, "tags": ["student"]}
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["name"] == "张 小明" and body["sex"] == "F"
    # The answer is masked: the age, not the birth date (which beside the masked number is the number).
    assert body["birth_date"] is None and body["age"] == today().year - 2010
    assert Person.objects.get(pk=body["id"]).birth_date == dt.date(2010, 6, 15)
    assert body["area_code"] == people["hh_a"].area_code and body["masked"] is True


def test_it_creates_a_person_under_a_grid_with_residence_and_workplace(tree, user_a, api_as):
    r = api_as(user_a).post(
        "/persons",
        {"name": "Anna Smith", "area_code": tree["grid_a"].code, "id_type": "passport", "id_number": "X9876543",
         "sex": "F", "residence": "temporary", "workplace": "冷链仓库"},
    )
    assert r.status_code == 201, r.content
    assert r.json()["residence"] == "temporary" and r.json()["workplace"] == "冷链仓库"


def test_it_rejects_a_person_whose_birth_date_contradicts_the_id_number(people, user_a, api_as):
    r = api_as(user_a).post(
        "/persons",
        {"name": "王五", "household_id": people["hh_a"].pk, "id_number": make_id_number(), "birth_date": "1991-01-01"},
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "birth_date", "reason": "birth date 1991-01-01 does not match the ID number (1990-03-07)"}
    ]


def test_it_rejects_a_duplicate_document_number(people, user_a, api_as):
    r = api_as(user_a).post("/persons", {"name": "张三", "household_id": people["hh_a"].pk, "id_number": ID_A})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "id_number"


def test_it_rejects_a_missing_name_naming_the_field(people, user_a, api_as):
    r = api_as(user_a).post("/persons", {"household_id": people["hh_a"].pk, "id_type": "none"})
    assert r.status_code == 422
    assert r.json() == {"detail": "invalid input", "errors": [{"field": "name", "reason": "Field required"}]}


def test_it_rejects_a_person_placed_above_the_village_level(tree, user_a, api_as):
    r = api_as(user_a).post("/persons", {"name": "王五", "area_code": tree["town_a"].code, "id_type": "none"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "area_code"


def test_it_does_not_create_a_person_in_another_area(tree, user_a, api_as):
    r = api_as(user_a).post("/persons", {"name": "王五", "area_code": tree["grid_b"].code, "id_type": "none"})
    assert r.status_code == 404
    assert not Person.objects.filter(name="王五").exists()


def test_it_refuses_writes_to_a_read_only_role_with_a_clear_message(people, reader_a, api_as):
    api = api_as(reader_a)
    created = api.post("/persons", {"name": "王五", "household_id": people["hh_a"].pk, "id_type": "none"})
    updated = api.patch(f"/persons/{people['p_a'].pk}", {"relation": "子"})
    for r in (created, updated):
        assert r.status_code == 403
        assert "your role may not do this" in r.json()["errors"][0]["reason"]
    assert not Person.objects.filter(name="王五").exists()
    assert Person.objects.get(pk=people["p_a"].pk).relation == "户主"


def test_it_updates_a_person_and_keeps_the_id_number(people, user_a, api_as):
    r = api_as(user_a).patch(f"/persons/{people['p_a'].pk}", {"name": "张叁", "phone": "139 0000 1111", "tags": []})
    assert r.status_code == 200, r.content
    assert r.json()["name"] == "张叁" and r.json()["phone"] == "139****1111" and r.json()["tags"] == []
    person = Person.objects.get(pk=people["p_a"].pk)
    assert person.id_number_masked == ID_A[:6] + "*" * 11 + ID_A[-1:]
    assert person.history.count() == 2
    assert person.history.first().history_user == user_a  # the token's user is recorded as the author


def test_it_rejects_an_invalid_phone_on_update(people, user_a, api_as):
    r = api_as(user_a).patch(f"/persons/{people['p_a'].pk}", {"phone": "12345"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "phone"


def test_it_does_not_update_a_person_of_another_area(people, user_a, api_as):
    r = api_as(user_a).patch(f"/persons/{people['p_b'].pk}", {"relation": "子"})
    assert r.status_code == 404


def test_it_rejects_control_characters_in_text(people, user_a, api_as):
    r = api_as(user_a).post("/persons", {"name": "a\x00b", "household_id": people["hh_a"].pk, "id_type": "none"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "name"


def test_it_answers_401_with_the_uniform_body_without_a_token(people, api_as):
    r = api_as().get("/persons")
    assert r.status_code == 401
    assert r.json()["errors"] == [{"field": "Authorization", "reason": "missing, revoked or invalid bearer token"}]
    assert r["WWW-Authenticate"] == "Bearer"


def test_it_answers_in_the_callers_language_header_for_our_messages(people, user_a, api_as):
    api = api_as(user_a)
    r = api.client.get(f"/api/v1/persons/{people['p_b'].pk}", HTTP_ACCEPT_LANGUAGE="en", **api.headers)
    assert r["Content-Language"] == "en"


def test_it_rejects_a_body_that_is_not_an_object(people, user_a, api_as):
    r = api_as(user_a).patch(f"/persons/{people['p_a'].pk}", [None, None])
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body"


def test_it_rejects_a_misspelt_filter_instead_of_listing_everything(people, user_a, api_as):
    r = api_as(user_a).get("/persons", areacode="411402")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "areacode"


def test_it_rejects_a_birth_date_given_as_a_number(people, user_a, api_as):
    r = api_as(user_a).get("/persons", born_to="0")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "born_to"


def test_an_unknown_api_route_answers_the_uniform_404(user_a, api_as):
    r = api_as(user_a).get("/nothing-here")
    assert r.status_code == 404
    assert r.json()["errors"] == [{"field": None, "reason": "no such API route"}]


def test_a_wrong_method_answers_405_with_the_allowed_ones(people, user_a, api_as):
    r = api_as(user_a).client.delete(f"/api/v1/persons/{people['p_a'].pk}", **api_as(user_a).headers)
    assert r.status_code == 405
    assert "GET" in r.json()["errors"][0]["reason"] and "GET" in r["Allow"]


def test_the_api_docs_page_loads_nothing_from_the_internet(client):
    html = client.get("/api/v1/docs").content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "https://" not in html and "http://" not in html.replace("http://testserver", "")


def test_a_role_without_the_action_is_refused_before_its_body_is_read(people, reader_a, api_as):
    # A malformed body would answer 422 naming the fields; a refused caller must learn nothing from that.
    api = api_as(reader_a)
    for response in (api.post("/persons", {"name": 12, "household_id": "x"}), api.patch(f"/persons/{people['p_a'].pk}", [1])):
        assert response.status_code == 403
        assert response.json()["detail"] == "forbidden"


def test_a_patch_of_the_name_keeps_a_passport_holders_birth_date_and_sex(people, user_a, city_user, api_as):
    # Fields not sent stay as they are: the stored document number must not count as "a new number" that
    # clears what only a resident ID could derive again.
    p = people["p_a2"]
    p.birth_date, p.sex = dt.date(1990, 1, 2), "F"
    p.save()
    r = api_as(user_a).patch(f"/persons/{p.pk}", {"name": "张小华"})
    assert r.status_code == 200, r.content
    p.refresh_from_db()
    assert (p.name, p.birth_date, p.sex, p.id_type) == ("张小华", dt.date(1990, 1, 2), "F", "passport")


def test_a_new_passport_number_keeps_the_birth_date_and_sex(people, user_a, api_as):
    p = people["p_a2"]
    p.birth_date, p.sex = dt.date(1990, 1, 2), "F"
    p.save()
    r = api_as(user_a).patch(f"/persons/{p.pk}", {"id_number": "E7654321"})
    assert r.status_code == 200, r.content
    p.refresh_from_db()
    assert (p.birth_date, p.sex) == (dt.date(1990, 1, 2), "F")


def test_a_name_of_zero_width_characters_is_refused_as_missing(people, user_a, api_as):
    hh = people["hh_a"].pk
    r = api_as(user_a).post("/persons", {"household_id": hh, "name": "\u200b\u200c\ufeff\u2060", "id_type": "passport",
                                         "id_number": "E7654321"})
    assert r.status_code == 422, r.content
    assert r.json()["errors"] == [{"field": "name", "reason": "name is required"}]


def test_bidi_controls_are_taken_out_of_names_and_addresses(people, user_a, api_as):
    api = api_as(user_a)
    r = api.post("/persons", {"household_id": people["hh_a"].pk, "name": "王\u202e五\u2066", "id_type": "passport",
                              "id_number": "E7654322", "workplace": "\u202e工厂"})
    assert r.status_code == 201, r.content
    assert r.json()["name"] == "王五"
    r = api.patch(f"/households/{people['hh_a'].pk}", {"address": "\u202e梁园区\u200b一号"})
    assert r.status_code == 200, r.content
    assert r.json()["address"] == "梁园区 一号"
