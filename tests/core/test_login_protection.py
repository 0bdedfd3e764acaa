import base64
import datetime as dt
import os
import secrets
import subprocess
import sys

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone, translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangkong.core.models import ApiToken, User
from tests.conftest import make_user

PASSWORD = "correct-horse-battery"


def login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


# --- lockout (django-axes) ---


def test_it_locks_an_account_after_the_failure_limit(user_a, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "alice", "wrong-password").status_code == 200  # the form again
    assert login(client, "alice", "wrong-password").status_code == 429  # the limit is reached
    r = login(client, "alice", PASSWORD)
    assert r.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_it_still_lets_the_right_password_in_below_the_limit(user_a, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "alice", "wrong-password")
    r = login(client, "alice", PASSWORD)
    assert r.status_code == 302
    assert client.session["_auth_user_id"] == str(user_a.pk)


# --- session timeout ---


def test_sessions_expire_after_idle_time_and_every_request_renews_them(settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 8 * 3600


def test_an_idle_session_is_signed_out(user_a):
    client = Client()
    client.force_login(user_a)
    assert client.get("/people/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    r = client.get("/people/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_a_request_pushes_the_session_expiry_forward(user_a, settings):
    client = Client()
    client.force_login(user_a)
    Session.objects.update(expire_date=timezone.now() + dt.timedelta(seconds=60))
    client.get("/people/")
    expiry = Session.objects.get().expire_date
    assert expiry > timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


# --- TOTP for the admin ---


@pytest.fixture
def chief(tree):
    return make_user("chief", tree["city"].code, "city_command", is_staff=True)


def test_the_admin_is_closed_to_a_staff_user_without_a_totp_code(chief, settings):
    settings.FANGKONG_REQUIRE_OTP = True
    client = Client()
    client.force_login(chief)
    r = client.get("/admin/")
    assert r.status_code == 302 and r["Location"].startswith("/admin/login/")


def test_the_admin_opens_after_a_password_and_totp_login(chief, settings):
    settings.FANGKONG_REQUIRE_OTP = True
    device = TOTPDevice.objects.create(user=chief, name="phone", confirmed=True)
    client = Client()
    form = client.get("/admin/login/")
    assert "otp_token" in form.content.decode()
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    r = client.post(
        "/admin/login/?next=/admin/",
        {"username": "chief", "password": PASSWORD, "otp_device": device.persistent_id, "otp_token": code},
    )
    assert r.status_code == 302, r.content.decode()[:500]
    assert client.get("/admin/").status_code == 200


def test_a_wrong_totp_code_keeps_the_admin_closed(chief, settings):
    settings.FANGKONG_REQUIRE_OTP = True
    device = TOTPDevice.objects.create(user=chief, name="phone", confirmed=True)
    client = Client()
    right = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    r = client.post(
        "/admin/login/",
        {"username": "chief", "password": PASSWORD, "otp_device": device.persistent_id, "otp_token": f"{(right + 1) % 10**6:06d}"},
    )
    assert r.status_code == 200  # the form again, with an error
    assert client.get("/admin/").status_code == 302


def test_without_the_setting_a_password_is_enough(chief, settings):
    settings.FANGKONG_REQUIRE_OTP = False
    client = Client()
    client.force_login(chief)
    assert client.get("/admin/").status_code == 200


def test_otp_add_prints_an_authenticator_url(chief, capsys):
    call_command("otp", "add", "chief")
    assert capsys.readouterr().out.startswith("otpauth://totp/")
    assert TOTPDevice.objects.filter(user=chief, confirmed=True).count() == 1


# --- no-store on personal data ---


def test_api_answers_are_never_cached(user_a):
    _, token = ApiToken.issue(user_a)
    ok = Client().get("/api/v1/persons", HTTP_AUTHORIZATION=f"Bearer {token}")
    refused = Client().get("/api/v1/persons")
    assert ok.status_code == 200 and refused.status_code == 401
    assert ok["Cache-Control"] == "no-store" and refused["Cache-Control"] == "no-store"


def test_pages_with_personal_data_are_never_cached(user_a):
    client = Client()
    client.force_login(user_a)
    r = client.get("/people/")
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"


# --- production settings ---


def production_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "FANGKONG_DEMO"}}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(60),
        FANGKONG_DATA_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        ALLOWED_HOSTS="fangkong.example.org",
        DJANGO_SETTINGS_MODULE="fangkong.settings",
    )
    return env


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(), cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "System check identified no issues" in r.stdout


def test_production_settings_require_totp_and_secure_cookies(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.FANGKONG_REQUIRE_OTP, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT)"
    )
    r = subprocess.run([sys.executable, "-c", code], env=production_env(), cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.stdout.split() == ["True", "True", "True", "True"], r.stderr


def test_production_settings_refuse_a_missing_secret(tmp_path):
    env = production_env()
    del env["SECRET_KEY"]
    r = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "SECRET_KEY must be set" in r.stderr


# --- fangkong user add ---


def test_user_add_binds_a_user_to_an_area_and_a_role(tree, capsys):
    call_command("user", "add", "wang", "--area", "411402000000", "--role", "grid_worker", "--password", "Tr1cky-Lantern-88")
    user = User.objects.get(username="wang")
    assert (user.area_code, user.role) == ("411402", "grid_worker")
    assert user.check_password("Tr1cky-Lantern-88")
    assert user.password.startswith("argon2")


def test_user_add_refuses_an_unknown_area(tree):
    with pytest.raises(CommandError, match="unknown area code 999999"):
        call_command("user", "add", "wang", "--area", "999999", "--role", "grid_worker", "--password", "Tr1cky-Lantern-88")
    assert not User.objects.filter(username="wang").exists()


def test_user_add_refuses_an_unknown_role(tree):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("user", "add", "wang", "--area", "411402", "--role", "emperor", "--password", "Tr1cky-Lantern-88")
    assert not User.objects.filter(username="wang").exists()


@pytest.mark.parametrize("weak", ["password", "short1"])
def test_user_add_refuses_a_weak_password(tree, weak):
    with translation.override("en"), pytest.raises(CommandError, match="too (common|short)"):
        call_command("user", "add", "wang", "--area", "411402", "--role", "grid_worker", "--password", weak)
    assert not User.objects.filter(username="wang").exists()
