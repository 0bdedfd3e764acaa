"""The checkpoint pages: the list with a day's counts, the entry screen (with and without htmx), a day's log."""

import datetime as dt

import pytest

from fangkong.areas.models import Responsible
from fangkong.arrivals.models import Arrival, Checkpoint, Passage
from tests.conftest import make_id_number, make_user

ID_1 = make_id_number(region="110105", born="19920303", seq="452")
ID_2 = make_id_number(region="310115", born="19700505", seq="613")


@pytest.fixture
def highway(tree):
    grid = tree["grid_a"]
    Responsible.objects.create(area=grid, area_code=grid.code, tier="grid_worker", name="王网格", phone="13900000001")
    return Checkpoint.objects.create(name="连霍高速商丘东", channel="highway", area=tree["county_a"], area_code=tree["county_a"].code)


@pytest.fixture
def staff(tree):
    return make_user("kakou", tree["county_a"].code, "checkpoint")


def entry_data(tree, rows, **group):
    data = {"plate": "豫N12345", "origin": "北京市朝阳区", "destination": tree["grid_a"].code,
            "p-TOTAL_FORMS": str(len(rows)), "p-INITIAL_FORMS": "0", **group}
    for i, row in enumerate(rows):
        defaults = {"colour": "green", "outcome": "let_through", "id_type": "resident_id", "category": "returnee"}
        data.update({f"p-{i}-{k}": v for k, v in {**defaults, **row}.items()})
    return data


def test_the_nav_leads_checkpoint_staff_with_one_checkpoint_straight_to_its_entry_screen(client, highway, staff):
    client.force_login(staff)
    home = client.get("/").content.decode()
    assert 'href="/control/checkpoints/"' in home
    response = client.get("/control/checkpoints/")
    assert response.status_code == 302 and response["Location"] == f"/control/checkpoints/{highway.pk}/entry/"
    page = client.get(response["Location"]).content.decode()
    assert "豫" in page and 'name="p-0-temperature"' in page and 'data-figure="people"' in page


def test_a_grid_worker_has_no_checkpoint_link(client, user_a):
    client.force_login(user_a)
    assert 'href="/control/checkpoints/"' not in client.get("/").content.decode()


def test_saving_with_htmx_resets_the_form_and_shows_the_entry_and_todays_counts(client, tree, highway, staff):
    client.force_login(staff)
    data = entry_data(tree, [{"name": "张三", "id_number": ID_1, "temperature": "36.6"},
                             {"name": "王五", "id_number": ID_2, "temperature": "38.0", "outcome": "medical"},
                             {}])  # a blank row added by mistake is ignored
    response = client.post(f"/control/checkpoints/{highway.pk}/entry/", data, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert "Saved 豫N12345: 2 person(s)." in page
    assert 'value="张三"' not in page and "张*" in page and "王*" in page
    assert '<div data-figure="people"><b>2</b>' in page and '<div data-figure="fever" class="alert"><b>1</b>' in page
    passage = Passage.objects.get()
    assert [p.outcome for p in passage.passengers.all()] == ["let_through", "medical"]
    assert Arrival.objects.get().person.name == "张三"


def test_without_htmx_saving_redirects_back_to_an_empty_form(client, tree, highway, staff):
    client.force_login(staff)
    response = client.post(f"/control/checkpoints/{highway.pk}/entry/", entry_data(tree, [{"name": "张三", "id_number": ID_1, "temperature": "36.6"}]))
    assert response.status_code == 302 and response["Location"] == f"/control/checkpoints/{highway.pk}/entry/"
    assert "Saved 豫N12345" in client.get(response["Location"]).content.decode()


def test_errors_are_shown_next_to_their_fields_and_what_was_typed_is_kept(client, tree, highway, staff):
    client.force_login(staff)
    data = entry_data(tree, [{"name": "张三", "id_number": ID_1, "temperature": "36.6"},
                             {"name": "王五", "id_number": ID_2, "temperature": "55"}], plate="豫N1234")
    page = client.post(f"/control/checkpoints/{highway.pk}/entry/", data, HTTP_HX_REQUEST="true").content.decode()
    assert "55.0 °C is not a body temperature (34–43 °C)" in page
    assert page.index("55.0 °C is not") > page.index('name="p-1-temperature"')  # in the second person's row
    assert "not a mainland plate" in page and 'value="张三"' in page
    assert not Passage.objects.exists()


def test_an_error_in_a_hidden_detail_opens_it(client, tree, highway, staff):
    client.force_login(staff)
    data = entry_data(tree, [{"name": "张三", "id_number": ID_1, "temperature": "36.6", "destination": "411402999"}])
    page = client.post(f"/control/checkpoints/{highway.pk}/entry/", data, HTTP_HX_REQUEST="true").content.decode()
    assert '<details class="more" open>' in page and "no such area or household in the city" in page


def test_the_add_button_without_javascript_adds_a_row_with_defaults(client, tree, highway, staff):
    client.force_login(staff)
    data = entry_data(tree, [{"name": "张三", "id_number": ID_1, "temperature": "36.6"}])
    data["add_row"] = "1"
    page = client.post(f"/control/checkpoints/{highway.pk}/entry/", data).content.decode()
    assert 'name="p-1-name"' in page and 'value="张三"' in page
    assert 'name="p-1-colour" value="green"' in page and not Passage.objects.exists()


def test_no_one_typed_is_an_error_not_an_empty_passage(client, tree, highway, staff):
    client.force_login(staff)
    page = client.post(f"/control/checkpoints/{highway.pk}/entry/", entry_data(tree, [{}]), HTTP_HX_REQUEST="true").content.decode()
    assert "give at least one person" in page and not Passage.objects.exists()


def test_a_read_only_user_sees_the_counts_but_not_the_entry_screen(client, tree, highway):
    client.force_login(make_user("viewer", tree["county_a"].code, "read_only"))
    assert highway.name in client.get("/control/checkpoints/").content.decode()
    assert client.get(f"/control/checkpoints/{highway.pk}/entry/").status_code == 403


def test_the_list_shows_the_chosen_days_counts_and_the_day_log_masks_names(client, tree, highway, staff, city_user):
    client.force_login(staff)
    client.post(f"/control/checkpoints/{highway.pk}/entry/", entry_data(tree, [
        {"name": "张三", "id_number": ID_1, "temperature": "36.6"}, {"name": "王五", "id_number": ID_2, "temperature": "36.9", "outcome": "turned_back"}]))
    client.force_login(city_user)
    today = Passage.objects.get().at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    listing = client.get("/control/checkpoints/", {"on": today.isoformat()}).content.decode()
    assert highway.name in listing and 'data-label="Turned back">1<' in listing
    empty = client.get("/control/checkpoints/", {"on": (today - dt.timedelta(days=3)).isoformat()}).content.decode()
    assert 'data-label="People">0<' in empty
    log = client.get(f"/control/checkpoints/{highway.pk}/", {"on": today.isoformat()}).content.decode()
    assert "张*" in log and "张三" not in log and ID_1 not in log and ID_1[:6] + "*" * 11 + ID_1[-1] in log


def test_the_destination_list_offers_places_of_the_city(client, tree, highway, staff):
    client.force_login(staff)
    options = client.get(f"/control/checkpoints/{highway.pk}/places/", {"q": "睢阳"}).content.decode()
    assert f'value="{tree["village_b"].code}"' in options and tree["town_b"].name in options
    assert client.get(f"/control/checkpoints/{highway.pk}/places/", {"destination": "梁园区一社区"}).content.decode().count("<option") == 1


def test_the_admin_opens_a_checkpoint_under_a_township_and_refuses_a_grid(client, tree):
    client.force_login(make_user("root", tree["city"].code, "city_command", is_staff=True, is_superuser=True))
    form = {"name": "商丘站出站口", "channel": "railway", "area": tree["town_b"].pk, "location": "北广场", "active": "on"}
    assert client.post("/admin/arrivals/checkpoint/add/", form).status_code == 302
    assert Checkpoint.objects.get(name="商丘站出站口").area_code == tree["town_b"].code
    refused = client.post("/admin/arrivals/checkpoint/add/", {**form, "name": "网格卡口", "area": tree["grid_b"].pk})
    assert refused.status_code == 200 and "a checkpoint belongs to a county or a township" in refused.content.decode()
