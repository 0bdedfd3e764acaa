"""City command manages the users of its area: create, change, deactivate, reset password and TOTP; audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangkong.areas import services
from fangkong.core.models import AuditEvent, Unit, User
from fangkong.core.permissions import NotPermitted
from tests.conftest import make_user


@pytest.fixture
def chief(tree):
    return make_user("chief", tree["city"].code, "city_command")


def test_city_command_creates_a_lab_user_bound_to_a_unit_and_it_is_audited(tree, chief):
    lab = Unit.objects.create(code="lab-1", name="市检测中心", kind=Unit.Kind.LAB, area_code=tree["city"].code)
    user = services.user_create(by=chief, username="lab1", area_code=tree["city"].code, role="lab",
                                password="a-long-temporary-1", unit=lab)
    assert user.unit == lab and user.check_password("a-long-temporary-1")
    event = AuditEvent.objects.get(action="areas.user.manage", object_id=str(user.pk))
    assert event.actor_name == "chief" and event.changes["role"] == "lab"
    assert "a-long-temporary-1" not in str(event.changes)


def test_a_district_cannot_create_a_role_with_more_rights_or_outside_its_area(tree):
    district = make_user("dist", tree["county_a"].code, "district")
    with pytest.raises(NotPermitted, match="more rights"):
        services.user_create(by=district, username="boss", area_code=tree["county_a"].code, role="city_command",
                             password="a-long-temporary-1")
    with pytest.raises(Exception):  # noqa: B017 - 404: county B is not the district's
        services.user_create(by=district, username="spy", area_code=tree["county_b"].code, role="grid_worker",
                             password="a-long-temporary-1")
    assert not User.objects.filter(username__in=["boss", "spy"]).exists()


def test_a_grid_worker_cannot_manage_users(tree):
    worker = make_user("w", tree["county_a"].code, "grid_worker")
    with pytest.raises(NotPermitted):
        services.user_create(by=worker, username="x1", area_code=tree["grid_a"].code, role="read_only",
                             password="a-long-temporary-1")


def test_deactivate_reset_password_and_totp(tree, chief):
    target = make_user("w2", tree["county_a"].code, "grid_worker")
    TOTPDevice.objects.create(user=target, name="phone")
    services.user_update(by=chief, user=target, active=False)
    target.refresh_from_db()
    assert not target.is_active
    password = services.user_reset_password(by=chief, user=target)
    target.refresh_from_db()
    assert target.check_password(password) and not target.check_password("correct-horse-battery")
    assert services.user_reset_totp(by=chief, user=target) == 1
    assert not TOTPDevice.objects.filter(user=target).exists()
    reasons = list(AuditEvent.objects.filter(object_id=str(target.pk)).values_list("reason", flat=True))
    assert {"password reset", "TOTP devices removed"} <= set(reasons)
    assert password not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


def test_a_manager_cannot_change_their_own_account(tree, chief):
    with pytest.raises(ValidationError):
        services.user_update(by=chief, user=chief, role="read_only")


def test_the_users_page_is_scoped_and_refused_to_others(client, tree):
    district_a = make_user("da", tree["county_a"].code, "district")
    make_user("in-a", tree["grid_a"].code, "grid_worker")
    make_user("in-b", tree["grid_b"].code, "grid_worker")
    client.force_login(district_a)
    page = client.get("/areas/users/").content.decode()
    assert "in-a" in page and "in-b" not in page
    other = User.objects.get(username="in-b")
    assert client.get(f"/areas/users/{other.pk}/").status_code == 404
    client.force_login(make_user("ro", tree["county_a"].code, "read_only"))
    assert client.get("/areas/users/").status_code == 403
    assert client.post("/areas/users/", {"username": "x", "role": "read_only"}).status_code == 403


def test_creating_a_user_on_the_page_shows_the_password_once(client, tree):
    client.force_login(make_user("da", tree["county_a"].code, "district"))
    response = client.post("/areas/users/", {"username": "newbie", "role": "grid_worker",
                                             "area_code": tree["grid_a"].code})
    assert response.status_code == 200
    created = User.objects.get(username="newbie")
    password = response.context["new_password"]
    assert created.check_password(password) and password in response.content.decode()
