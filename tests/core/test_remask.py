"""Stored masks are rewritten to the new rule from the old mask alone (no decryption for resident IDs)."""

from __future__ import annotations

from django.db import connection

from fangkong.core.crypto import seal
from fangkong.core.masking import mask_id_number
from fangkong.core.remask import remask_other_documents, remask_resident_ids
from fangkong.people.models import Person
from tests.conftest import make_id_number


def test_old_masks_become_new_ones(tree):
    number = make_id_number()
    old = number[:6] + "********" + number[-4:]
    a = Person.objects.create(area=tree["grid_a"], area_code=tree["grid_a"].code, name="甲", id_number_masked=old,
                              id_number_sealed=seal(number))
    passport = "G12345678"  # 9 characters: the old rule showed all of them
    b = Person.objects.create(area=tree["grid_a"], area_code=tree["grid_a"].code, name="乙", id_type="passport",
                              id_number_masked=passport[:6] + passport[-4:], id_number_sealed=seal(passport))
    with connection.cursor() as cur:
        remask_resident_ids(cur, Person._meta.db_table)
        remask_other_documents(cur, Person._meta.db_table)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.id_number_masked == mask_id_number(number) == number[:6] + "*" * 11 + number[-1]
    assert b.id_number_masked == mask_id_number(passport) == "G1*****78"
