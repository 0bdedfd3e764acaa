"""Sampling at a site and the chain of custody to the lab."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from fangkong.core.models import AuditEvent, Unit
from fangkong.testing import services
from fangkong.testing.models import Tube, TubeSample
from tests.conftest import make_user
from tests.testing.conftest import pool, to_lab


def test_a_pooled_tube_takes_ten_persons_and_refuses_the_eleventh(world, user_a):
    tube = services.tube_open(by=user_a, site=world["site"], barcode="T0001")
    for i, person in enumerate(world["persons"][:10], start=1):
        done = services.sample_add(by=user_a, tube=tube, person=person)
        assert done.count == i
    assert done.closed
    with pytest.raises(services.InvalidInput) as info:
        services.sample_add(by=user_a, tube=tube, person=world["persons"][10])
    assert "tube" in info.value.errors
    assert TubeSample.objects.filter(tube=tube).count() == 10


def test_a_single_tube_takes_one_person(world, user_a):
    tube = services.tube_open(by=user_a, site=world["site"], barcode="S0001", kind=Tube.Kind.SINGLE)
    assert services.sample_add(by=user_a, tube=tube, person=world["persons"][0]).closed
    with pytest.raises(services.InvalidInput, match="closed"):
        services.sample_add(by=user_a, tube=tube, person=world["persons"][1])


def test_a_tube_scanned_twice_is_refused(world, user_a):
    services.tube_open(by=user_a, site=world["site"], barcode="T0001")
    with pytest.raises(services.InvalidInput, match="already scanned"):
        services.tube_open(by=user_a, site=world["other_site"], barcode="t0001")


def test_a_closed_tube_takes_no_one(world, user_a):
    tube = pool(user_a, world["site"], "T0001", world["persons"][:3])
    services.tube_close(by=user_a, tube=tube)
    with pytest.raises(services.InvalidInput, match="closed"):
        services.sample_add(by=user_a, tube=tube, person=world["persons"][3])


def test_a_person_sampled_at_another_site_in_the_round_needs_a_reason(world, user_a):
    pool(user_a, world["site"], "T0001", world["persons"][:1])
    tube = services.tube_open(by=user_a, site=world["other_site"], barcode="T0002")
    with pytest.raises(services.RepeatSample) as info:
        services.sample_add(by=user_a, tube=tube, person=world["persons"][0])
    assert info.value.site_name == "一社区广场"
    done = services.sample_add(by=user_a, tube=tube, person=world["persons"][0], reason="上午样本管破损")
    assert done.sample.repeat_reason == "上午样本管破损"
    assert AuditEvent.objects.filter(action="testing.sample.take", reason="上午样本管破损").exists()


def test_a_bad_barcode_is_refused_naming_the_field(world, user_a):
    with pytest.raises(services.InvalidInput) as info:
        services.tube_open(by=user_a, site=world["site"], barcode="x\u202e!")
    assert "barcode" in info.value.errors


def test_a_sampler_of_another_county_gets_404_and_a_lab_gets_403(world, user_b, lab_user):
    with pytest.raises(Http404):
        services.tube_open(by=user_b, site=world["site"], barcode="T0001")
    with pytest.raises(PermissionDenied):
        services.tube_open(by=lab_user, site=world["site"], barcode="T0001")
    assert not Tube.objects.exists()


def test_tubes_go_by_box_to_the_lab_which_receives_them(world, user_a, lab_user):
    tubes = [pool(user_a, world["site"], f"T000{i}", world["persons"][i * 3:i * 3 + 3]) for i in range(2)]
    box = to_lab(user_a, lab_user, world["site"], world["lab"], tubes)
    assert {t.state for t in tubes} == {Tube.State.RECEIVED}
    assert all(t.lab == world["lab"] and t.received_by == lab_user and t.boxed_by == user_a for t in tubes)
    assert AuditEvent.objects.get(action="testing.tube.receive").count == 2
    with pytest.raises(services.InvalidInput, match="already received"):
        services.box_receive(by=lab_user, box=box)


def test_a_tube_cannot_be_packed_twice(world, user_a, lab):
    tube = pool(user_a, world["site"], "T0001", world["persons"][:2])
    services.box_pack(by=user_a, site=world["site"], code="BOX-1", lab=lab, barcodes=[tube.barcode])
    with pytest.raises(services.InvalidInput, match="already packed"):
        services.box_pack(by=user_a, site=world["site"], code="BOX-2", lab=lab, barcodes=[tube.barcode])


def test_another_labs_user_cannot_receive_the_box(world, user_a, tree):
    other = Unit.objects.create(code="LAB-2", name="第二实验室", kind=Unit.Kind.LAB, area_code=tree["city"].code)
    stranger = make_user("otherlab", tree["city"].code, "lab", unit=other)
    tube = pool(user_a, world["site"], "T0001", world["persons"][:2])
    box = services.box_pack(by=user_a, site=world["site"], code="BOX-1", lab=world["lab"], barcodes=[tube.barcode])
    with pytest.raises(Http404):
        services.box_receive(by=stranger, box=box)
