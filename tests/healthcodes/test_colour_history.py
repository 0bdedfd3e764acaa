"""Every colour change is written with its cause, so past days can be asked about: one person's colour, and
how many reds and yellows an area had."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.arrivals import services as arrivals_services
from fangkong.control import services
from fangkong.core.clock import today
from fangkong.healthcodes import selectors as hc_selectors
from fangkong.healthcodes import services as hc_services
from fangkong.healthcodes.models import HealthCode, HealthCodeChange
from fangkong.people.services import household_create, person_create
from tests.conftest import make_id_number


@pytest.fixture
def person(tree, user_a):
    household = household_create(user=user_a, area=tree["grid_a"])
    return person_create(user=user_a, household=household, name="钱七", id_number=make_id_number(seq="551"))


def test_a_change_of_colour_is_written_with_its_cause_and_a_repeat_is_not(tree, user_a, person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        arrival = arrivals_services.arrival_register(by=user_a, person=person, household=person.household, category="inbound",
                                            origin_name="某国", arrived_on=today(), source="manual")
    change = HealthCodeChange.objects.get(person_id=person.pk)
    assert (change.colour_from, change.colour_to) == ("", "yellow") and "inbound" in change.cause
    hc_services.health_code_refresh(person=person)  # nothing changed: no second row
    assert HealthCodeChange.objects.filter(person_id=person.pk).count() == 1
    test = arrival.orders.get().tests.order_by("due_on").first()
    with django_capture_on_commit_callbacks(execute=True):
        services.test_result_record(by=user_a, test=test, positive=True)
    last = HealthCodeChange.objects.filter(person_id=person.pk).latest("id")
    assert (last.colour_from, last.colour_to) == ("yellow", "red") and "confirmed" in last.cause
    with pytest.raises(TypeError):
        HealthCodeChange.objects.filter(pk=last.pk).update(colour_to="green")


def test_a_past_day_is_answered_from_the_history(tree, user_a, person, city_user):
    code = HealthCode.objects.create(person=person, area_code=person.area_code, colour="green")
    three_days_ago = timezone.now() - dt.timedelta(days=3)
    HealthCodeChange.objects.create(person_id=person.pk, area_code=person.area_code, at=three_days_ago,
                                    colour_from="green", colour_to="red", cause=["confirmed"])
    HealthCodeChange.objects.create(person_id=person.pk, area_code=person.area_code,
                                    at=three_days_ago + dt.timedelta(days=2), colour_from="red", colour_to="yellow",
                                    cause=["overdue_test"])
    day = timezone.localtime(three_days_ago).date()
    assert hc_selectors.colour_on(user=user_a, person=person, day=day - dt.timedelta(days=1)) == "green"
    assert hc_selectors.colour_on(user=user_a, person=person, day=day) == "red"
    assert hc_selectors.colour_on(user=user_a, person=person, day=day + dt.timedelta(days=2)) == "yellow"
    assert hc_selectors.colour_counts_on(user=city_user, area_code=tree["county_a"].code, day=day) == {"red": 1, "yellow": 0}
    assert hc_selectors.colour_counts_on(user=city_user, area_code=tree["county_b"].code, day=day) == {"red": 0, "yellow": 0}
    assert code.colour == "green"


def test_the_bulk_refresh_writes_the_same_history_as_one_by_one(tree, user_a, person, django_capture_on_commit_callbacks):
    arrivals_services.arrival_register(by=user_a, person=person, household=person.household, category="inbound",
                              origin_name="某国", arrived_on=today(), source="manual")
    HealthCode.objects.filter(person=person).delete()
    hc_services.health_codes_refresh(person_ids=[person.pk])
    change = HealthCodeChange.objects.filter(person_id=person.pk).latest("id")
    assert change.colour_to == HealthCode.objects.get(person=person).colour == "yellow"
