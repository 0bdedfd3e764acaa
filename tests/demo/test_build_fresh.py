"""Builds that need an empty database: each test builds its own small city."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from fangkong.core.crypto import unseal
from fangkong.demo.models import DemoBuild
from fangkong.demo.services import DEMO_PASSWORD, demo_build, demo_enqueue
from fangkong.demo.tasks import build_demo_city
from fangkong.people.models import Household, Person

from .test_build import run_demo


@pytest.fixture(autouse=True)
def demo_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEBUG = True


def test_outside_the_demo_and_debug_the_demo_users_get_random_passwords(db, settings):
    settings.DEBUG = settings.FANGKONG_DEMO = False
    users = run_demo("--people", "20", "--seed", "2")["users"]
    assert all(u["password"] != DEMO_PASSWORD and len(u["password"]) >= 12 for u in users)


def test_it_never_prints_an_id_number_or_a_phone(db):
    import io

    out = io.StringIO()
    call_command("demo", "--people", "50", "--seed", "3", stdout=out)
    printed = out.getvalue()
    assert "demo-city" in printed and DEMO_PASSWORD in printed
    for person in Person.objects.all():
        assert unseal(person.id_number_sealed) not in printed
        if person.phone_sealed:
            assert unseal(person.phone_sealed) not in printed


def test_the_build_runs_as_a_background_task_and_records_its_progress(db):
    build = demo_enqueue(people=120, seed=4)
    assert build.status == DemoBuild.Status.QUEUED and build.task_id
    build_demo_city.call(build_id=build.pk)
    build.refresh_from_db()
    assert build.status == DemoBuild.Status.DONE
    assert build.persons_written == 120 and build.progress_percent == 100
    assert build.counts["households"] == Household.objects.count()
    assert Person.objects.count() == 120


def test_a_failed_build_is_recorded_with_its_reason(db):
    build = DemoBuild.objects.create(people=10, seed=1)
    run_demo("--people", "10", "--seed", "1")
    with pytest.raises(Exception, match="persons exist"):
        demo_build(people=10, seed=1, build=build)
    build.refresh_from_db()
    assert build.status == DemoBuild.Status.FAILED
    assert "persons exist" in build.error


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_a_build_queued_from_the_command():
    # The worker closes database connections between tasks: that needs real commits, not a test transaction.
    queued = run_demo("--people", "60", "--seed", "8", "--background")
    assert queued["status"] == "queued"
    assert not Person.objects.exists()
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    build = DemoBuild.objects.get(pk=queued["build"])
    assert build.status == DemoBuild.Status.DONE, build.error
    assert Person.objects.count() == 60


def test_the_ui_can_read_a_queued_build_and_its_progress(db):
    from fangkong.demo.selectors import demo_build_get, demo_builds_recent

    build = demo_enqueue(people=10, seed=1)
    assert demo_build_get(build_id=build.pk).status == DemoBuild.Status.QUEUED
    assert demo_builds_recent()[0].pk == build.pk
    assert demo_build_get(build_id=build.pk).progress_percent == 0
