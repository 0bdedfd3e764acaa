"""Masking that cannot be undone: what a role sees of a person without revealing (the masked number, the age,
the sex, the area) must leave at least 10,000 valid GB 11643 numbers. Counted exactly, not estimated."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from fangkong.core.clock import today
from fangkong.core.ids import CHECK_MAP, WEIGHTS, check_digit
from fangkong.core.masking import birth_year_age, mask_id_number
from tests.conftest import make_user

FLOOR = 10_000


def numbers_consistent_with(*, masked: str, birth_year: int, sex: str) -> int:
    """How many valid 18-digit numbers show this mask, in a person of this birth year and sex.

    The 17th digit is odd for men and even for women; the check digit must be the shown last character.
    A histogram of the sequence digits' weighted sums mod 11 makes it exact without trying 180,000 numbers.
    """
    region, last = masked[:6], masked[-1]
    buckets = [0] * 11
    for a in range(10):
        for b in range(10):
            for c in range(10):
                if (c % 2 == 1) == (sex == "M"):
                    buckets[(WEIGHTS[14] * a + WEIGHTS[15] * b + WEIGHTS[16] * c) % 11] += 1
    wanted = CHECK_MAP.index(last)
    total = 0
    day = dt.date(birth_year, 1, 1)
    while day.year == birth_year:
        head = region + day.strftime("%Y%m%d")
        partial = sum(int(ch) * w for ch, w in zip(head, WEIGHTS[:14], strict=True)) % 11
        total += buckets[(wanted - partial) % 11]
        day += dt.timedelta(days=1)
    return total


def test_the_counter_counts_what_it_should():
    # Brute force on one case agrees with the histogram.
    region, born, sex = "411402", dt.date(1990, 3, 7), "M"
    number = region + born.strftime("%Y%m%d") + "123"
    number += check_digit(number)
    masked = mask_id_number(number)
    brute = sum(
        1 for d in range(365) for seq in range(1000)
        if (seq % 10) % 2 == 1
        and check_digit(region + (dt.date(1990, 1, 1) + dt.timedelta(days=d)).strftime("%Y%m%d") + f"{seq:03d}") == masked[-1]
    )
    assert brute == numbers_consistent_with(masked=masked, birth_year=1990, sex=sex)


@settings(max_examples=40, deadline=None)
@given(region=st.sampled_from(["110105", "411402", "310115", "440305", "650102"]),
       born=st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2024, 12, 31)),
       seq=st.integers(0, 999))
def test_a_masked_number_with_age_and_sex_leaves_at_least_10000_numbers(region, born, seq):
    first17 = region + born.strftime("%Y%m%d") + f"{seq:03d}"
    number = first17 + check_digit(first17)
    sex = "M" if seq % 2 else "F"
    masked = mask_id_number(number)
    assert number not in masked
    # The age shown is this year minus the birth year: it gives the year and nothing finer.
    year = today().year - birth_year_age(born, today())
    assert numbers_consistent_with(masked=masked, birth_year=year, sex=sex) >= FLOOR


@pytest.mark.parametrize("role", ["lab", "read_only", "checkpoint", "city_command", "district", "auditor"])
def test_what_a_masking_role_is_shown_leaves_at_least_10000_numbers(tree, client, role, token_for):
    """Read off the real pages and API as each role that does not reveal: list, detail, export."""
    from fangkong.people.services import household_create, person_create
    from tests.conftest import make_id_number

    chief = make_user("chief0", tree["city"].code, "city_command")
    household = household_create(user=chief, area=tree["grid_a"])
    number = make_id_number("411402", "19840229", "135")
    person = person_create(user=chief, household=household, name="孙八", id_number=number)
    viewer = make_user(f"v-{role}", tree["county_a"].code, role)
    assert not viewer.sees_unmasked
    api = client.get(f"/api/v1/persons/{person.pk}", **token_for(viewer))
    if api.status_code == 200:
        body = api.json()
        assert body["birth_date"] is None and "19840229" not in api.content.decode()
        assert numbers_consistent_with(masked=body["id_number"], birth_year=today().year - body["age"],
                                       sex=body["sex"]) >= FLOOR
    client.force_login(viewer)
    for url in (f"/people/{person.pk}/", "/people/", f"/people/households/{household.pk}/"):
        page = client.get(url).content.decode()
        assert "1984-02-29" not in page and "19840229" not in page and number not in page
    export = client.get("/people/export.xlsx")
    if export.status_code == 200:
        rows = list(load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.iter_rows(values_only=True))
        assert "1984-02-29" not in str(rows) and number not in str(rows)


def test_a_masking_role_filters_birth_dates_by_year_only(tree, client, token_for):
    viewer = token_for(make_user("ro1", tree["county_a"].code, "read_only"))
    exact = client.get("/api/v1/persons", {"born_from": "1984-02-29", "born_to": "1984-02-29"}, **viewer)
    assert exact.status_code == 422 and exact.json()["errors"][0]["field"] == "born_from"
    assert client.get("/api/v1/persons", {"born_from": "1984-01-01", "born_to": "1984-12-31"}, **viewer).status_code == 200


def test_exact_document_search_is_logged_and_limited_per_user(tree, client, token_for, settings):
    from fangkong.core.models import AccessLog
    from tests.conftest import make_id_number

    settings.DOCUMENT_LOOKUPS_PER_HOUR = 3
    headers = token_for(make_user("seeker", tree["county_a"].code, "read_only"))
    codes = [client.post("/api/v1/persons/search", {"id_number": make_id_number(seq=f"{700 + i}")},
                         content_type="application/json", **headers).status_code for i in range(4)]
    assert codes == [404, 404, 404, 429]
    entries = AccessLog.objects.filter(username="seeker", action="lookup_document")
    assert entries.count() == 3 and all(make_id_number(seq="700") not in (e.reason + e.fields) for e in entries)
