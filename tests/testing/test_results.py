"""Results: a positive pool recalls its persons under control; a single tube fills an order's test day; a positive
single tube is a case to open."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from fangkong.control.models import ControlOrder, ScheduledTest
from fangkong.core.models import AuditEvent, Unit
from fangkong.healthcodes.models import HealthCode
from fangkong.testing import inputs, services
from fangkong.testing.models import CaseLead, Recall, Result, Tube
from tests.conftest import make_user
from tests.testing.conftest import pool, to_lab


def test_a_positive_pool_recalls_its_persons_under_control_with_single_tube_retests(
        world, user_a, lab_user, django_capture_on_commit_callbacks):
    members = world["persons"][:10]
    tube = pool(user_a, world["site"], "T0001", members)
    to_lab(user_a, lab_user, world["site"], world["lab"], [tube])
    with django_capture_on_commit_callbacks(execute=True):
        services.result_record(by=lab_user, tube=tube, outcome="positive", tested_at=timezone.now())
    recalls = Recall.objects.filter(tube=tube)
    assert {r.person_id for r in recalls} == {p.pk for p in members}
    assert {r.household_id for r in recalls} == {world["household"].pk}
    assert {r.responsible_id for r in recalls} == {world["worker"].pk}
    orders = ControlOrder.objects.filter(person__in=members, category="positive_pool_member")
    assert orders.count() == 10 and {o.owner_id for o in orders} == {world["worker"].pk}
    today = timezone.localdate()
    assert {t.due_on for t in ScheduledTest.objects.filter(order__in=orders)} == {today, today + dt.timedelta(days=1)}
    assert ScheduledTest.objects.filter(order__in=orders, due_on=today).count() == 10
    assert set(HealthCode.objects.filter(person__in=members).values_list("colour", flat=True)) == {"yellow"}
    event = AuditEvent.objects.get(action="testing.result.record")
    assert event.actor_name == "labtech" and len(event.changes["recalled"]) == 10


def test_the_retest_by_single_tube_fills_the_order_test_day_and_marks_the_recall_retested(
        world, user_a, lab_user, django_capture_on_commit_callbacks):
    person = world["persons"][0]
    tube = pool(user_a, world["site"], "T0001", [person])
    to_lab(user_a, lab_user, world["site"], world["lab"], [tube])
    services.result_record(by=lab_user, tube=tube, outcome="positive", tested_at=timezone.now())
    single = services.tube_open(by=user_a, site=world["site"], barcode="S0001", kind=Tube.Kind.SINGLE)
    services.sample_add(by=user_a, tube=single, person=person, reason="混管阳性单管复核")
    single.refresh_from_db()
    to_lab(user_a, lab_user, world["site"], world["lab"], [single], box="BOX-0002")
    services.result_record(by=lab_user, tube=single, outcome="negative", tested_at=timezone.now())
    test = ScheduledTest.objects.get(person=person, due_on=timezone.localdate())
    assert test.status == "negative" and test.recorded_by == lab_user
    assert Recall.objects.get(person=person).retested_at is not None
    assert not CaseLead.objects.exists()


def test_a_positive_single_tube_is_a_case_to_open_on_the_cdc_list(world, user_a, lab_user):
    person = world["persons"][0]
    single = services.tube_open(by=user_a, site=world["site"], barcode="S0001", kind=Tube.Kind.SINGLE)
    services.sample_add(by=user_a, tube=single, person=person)
    to_lab(user_a, lab_user, world["site"], world["lab"], [single])
    services.result_record(by=lab_user, tube=single, outcome="positive", tested_at=timezone.now(),
                           ct=inputs.parse_ct("28.4"))
    lead = CaseLead.objects.get()
    assert lead.person == person and lead.area_code == person.area_code
    assert Result.objects.get().ct == Decimal("28.4")
    assert not Recall.objects.exists()


def test_a_negative_pool_recalls_no_one(world, user_a, lab_user):
    tube = pool(user_a, world["site"], "T0001", world["persons"][:10])
    to_lab(user_a, lab_user, world["site"], world["lab"], [tube])
    services.result_record(by=lab_user, tube=tube, outcome="negative", tested_at=timezone.now())
    assert not Recall.objects.exists() and not ControlOrder.objects.exists()
    tube.refresh_from_db()
    assert tube.state == Tube.State.RESULTED and tube.result.entered_by == lab_user


def test_a_result_for_a_tube_the_lab_never_received_is_refused(world, user_a, lab_user, lab):
    tube = pool(user_a, world["site"], "T0001", world["persons"][:2])
    services.box_pack(by=user_a, site=world["site"], code="BOX-1", lab=lab, barcodes=[tube.barcode])
    tube.refresh_from_db()
    with pytest.raises(services.InvalidInput, match="not received"):
        services.result_record(by=lab_user, tube=tube, outcome="negative", tested_at=timezone.now())


def test_a_tube_gets_one_result(world, user_a, lab_user):
    tube = pool(user_a, world["site"], "T0001", world["persons"][:2])
    to_lab(user_a, lab_user, world["site"], world["lab"], [tube])
    services.result_record(by=lab_user, tube=tube, outcome="negative", tested_at=timezone.now())
    tube.refresh_from_db()
    with pytest.raises(services.InvalidInput, match="already has a result"):
        services.result_record(by=lab_user, tube=tube, outcome="positive", tested_at=timezone.now())


def test_another_labs_user_gets_404_for_the_tube(world, user_a, lab_user, tree):
    other = Unit.objects.create(code="LAB-2", name="第二实验室", kind=Unit.Kind.LAB, area_code=tree["city"].code)
    stranger = make_user("otherlab", tree["city"].code, "lab", unit=other)
    tube = pool(user_a, world["site"], "T0001", world["persons"][:2])
    to_lab(user_a, lab_user, world["site"], world["lab"], [tube])
    with pytest.raises(Http404):
        services.result_record(by=stranger, tube=tube, outcome="positive", tested_at=timezone.now())
    assert not Result.objects.exists()


@pytest.mark.parametrize(("raw", "ok"), [("阴性", "negative"), ("POS", "positive"), ("无效", "invalid"), ("maybe", None)])
def test_results_are_read_in_chinese_or_english(raw, ok):
    if ok is None:
        with pytest.raises(inputs.InvalidInput):
            inputs.parse_outcome(raw)
    else:
        assert inputs.parse_outcome(raw) == ok


@pytest.mark.parametrize("raw", ["abc", "-1", "51", "nan", "inf"])
def test_a_ct_value_out_of_range_is_refused(raw):
    with pytest.raises(services.InvalidInput) as info:
        inputs.parse_ct(raw)
    assert "ct" in info.value.errors


def test_the_recalled_persons_are_on_the_grid_workers_list_of_the_day(client, world, user_a, lab_user,
                                                                       django_capture_on_commit_callbacks):
    """Issue 13 §4: "the responsible workers see it on their task list within a minute": at once, as a section
    testing adds to control's list of the day (control imports nothing of testing)."""
    members = world["persons"][:10]
    tube = pool(user_a, world["site"], "T0002", members)
    to_lab(user_a, lab_user, world["site"], world["lab"], [tube])
    with django_capture_on_commit_callbacks(execute=True):
        services.result_record(by=lab_user, tube=tube, outcome="positive", tested_at=timezone.now())
    client.force_login(user_a)
    page = client.get("/control/today/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert {r.person_id for r in page.context["day"].recalls} == {p.pk for p in members}
    assert all(p.name in page.content.decode() for p in members)
