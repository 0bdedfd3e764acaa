"""Likely duplicates: queued during imports without stopping them; merged with history, or kept both."""

from __future__ import annotations

import pytest

from fangkong.imports import pipeline
from fangkong.imports.models import ImportBatch
from fangkong.people import dedup, services
from fangkong.people.models import DuplicateCandidate, Person
from tests.conftest import make_id_number

from .conftest import person_row, write_csv


def run(user, path, **kwargs) -> ImportBatch:
    return pipeline.import_file(user=user, path=path, language="en", **{"kind": "people", **kwargs})


@pytest.fixture
def twins_in_one_household(tree):
    """Same name and birth date in one household, with two different (valid) ID numbers: likely one person."""
    grid = tree["grid_a"].code
    return [
        person_row(grid, "张三", "123", 出生日期="1990-03-07"),
        person_row(grid, "张三", "125", 出生日期="1990-03-07", 手机号码="", 职业="农民"),
    ]


def test_a_likely_duplicate_goes_to_the_queue_and_the_import_goes_on(media, tmp_path, user_a, twins_in_one_household):
    batch = run(user_a, write_csv(tmp_path / "a.csv", twins_in_one_household))
    assert (batch.status, batch.created, batch.duplicates) == ("done", 2, 1)
    candidate = DuplicateCandidate.objects.get()
    assert candidate.status == "open"
    assert "same household" in candidate.reason
    assert {candidate.person.name, candidate.other.name} == {"张三"}


def test_a_person_without_a_document_matching_name_birth_date_and_area_is_queued(media, tmp_path, user_a, tree):
    grid = tree["grid_a"].code
    run(user_a, write_csv(tmp_path / "a.csv", [person_row(grid, "李四", "130", 地址="")]))
    born = Person.objects.get().birth_date.isoformat()
    no_doc = person_row(grid, "李四", 证件类型="无", 证件号码="", 出生日期=born, 地址="", 手机号码="")
    batch = run(user_a, write_csv(tmp_path / "b.csv", [no_doc]))
    assert (batch.created, batch.duplicates) == (1, 1)
    assert "without a document number" in DuplicateCandidate.objects.get().reason


def test_different_people_with_the_same_name_elsewhere_are_not_queued(media, tmp_path, user_a, tree):
    rows = [person_row(tree["grid_a"].code, "王五", "140", 地址="一号"),
            person_row(tree["grid_a"].code, "王五", "142", 地址="二号")]
    batch = run(user_a, write_csv(tmp_path / "a.csv", rows))
    assert batch.duplicates == 0


def test_reimporting_does_not_queue_the_same_pair_again(media, tmp_path, user_a, twins_in_one_household):
    path = write_csv(tmp_path / "a.csv", twins_in_one_household)
    run(user_a, path)
    run(user_a, path)
    assert DuplicateCandidate.objects.count() == 1


def test_without_duplicate_detection_nothing_is_queued(media, tmp_path, user_a, twins_in_one_household):
    batch = run(user_a, write_csv(tmp_path / "a.csv", twins_in_one_household), dedup=False)
    assert batch.created == 2 and not DuplicateCandidate.objects.exists()


def test_merge_moves_membership_to_the_kept_record_and_keeps_history(media, tmp_path, user_a, tree, twins_in_one_household):
    run(user_a, write_csv(tmp_path / "a.csv", twins_in_one_household))
    candidate = DuplicateCandidate.objects.get()
    keep = Person.objects.get(id_number_hash__isnull=False, occupation="")
    drop = Person.objects.get(occupation="农民")
    keep.household = None
    keep.save()
    services.person_merge(user=user_a, keep=keep, drop=drop, candidate=candidate)
    keep.refresh_from_db()
    drop.refresh_from_db()
    assert drop.merged_into == keep
    assert keep.household_id == drop.household_id  # the household membership moved to the kept record
    assert keep.occupation == "农民"  # a blank field was filled from the other record
    assert drop.history.first().history_change_reason == f"merged person {drop.pk} into {keep.pk}"
    assert drop.history.count() >= 2
    candidate.refresh_from_db()
    assert candidate.status == "merged" and candidate.decided_by == user_a
    live = dedup.candidate_list(user=user_a)
    assert not live.exists()
    from fangkong.people import selectors

    assert list(selectors.person_list(user=user_a)) == [keep]


def test_reimporting_after_a_merge_leads_the_merged_document_to_the_kept_record(media, tmp_path, user_a,
                                                                              twins_in_one_household):
    path = write_csv(tmp_path / "a.csv", twins_in_one_household)
    run(user_a, path)
    candidate = DuplicateCandidate.objects.get()
    services.person_merge(user=user_a, keep=candidate.other, drop=candidate.person, candidate=candidate)
    again = run(user_a, path)
    assert again.status == "done" and again.created == 0 and again.rejected == 0
    assert Person.objects.filter(merged_into__isnull=True).count() == 1
    assert DuplicateCandidate.objects.count() == 1


def test_keep_both_closes_the_pair(media, tmp_path, user_a, twins_in_one_household):
    run(user_a, write_csv(tmp_path / "a.csv", twins_in_one_household))
    candidate = DuplicateCandidate.objects.get()
    dedup.keep_both(user=user_a, candidate=candidate)
    candidate.refresh_from_db()
    assert candidate.status == "distinct"
    assert Person.objects.filter(merged_into__isnull=True).count() == 2


def test_the_review_page_shows_both_records_masked_and_merges(media, tmp_path, client, user_a, twins_in_one_household):
    run(user_a, write_csv(tmp_path / "a.csv", twins_in_one_household))
    candidate = DuplicateCandidate.objects.get()
    client.force_login(user_a)
    assert candidate.person.name in client.get("/people/duplicates/").content.decode()
    body = client.get(f"/people/duplicates/{candidate.pk}/").content.decode()
    assert candidate.person.id_number_masked in body and candidate.other.id_number_masked in body
    assert make_id_number(seq="123") not in body and make_id_number(seq="125") not in body
    response = client.post(f"/people/duplicates/{candidate.pk}/decide", {"action": "merge", "keep": candidate.other_id})
    assert response.status_code == 302
    assert Person.objects.get(pk=candidate.person_id).merged_into_id == candidate.other_id


def test_the_review_page_keeps_both(media, tmp_path, client, user_a, twins_in_one_household):
    run(user_a, write_csv(tmp_path / "a.csv", twins_in_one_household))
    candidate = DuplicateCandidate.objects.get()
    client.force_login(user_a)
    client.post(f"/people/duplicates/{candidate.pk}/decide", {"action": "keep_both"})
    candidate.refresh_from_db()
    assert candidate.status == "distinct"


def test_another_areas_user_cannot_see_or_decide_a_pair(media, tmp_path, client, user_a, user_b, twins_in_one_household):
    run(user_a, write_csv(tmp_path / "a.csv", twins_in_one_household))
    candidate = DuplicateCandidate.objects.get()
    client.force_login(user_b)
    assert client.get(f"/people/duplicates/{candidate.pk}/").status_code == 404
    assert client.post(f"/people/duplicates/{candidate.pk}/decide", {"action": "keep_both"}).status_code == 404
    assert not dedup.candidate_list(user=user_b).exists()
    candidate.refresh_from_db()
    assert candidate.status == "open"


def test_reimporting_the_document_of_a_merged_record_updates_the_record_it_was_merged_into(
        media, tmp_path, user_a, twins_in_one_household):
    run(user_a, write_csv(tmp_path / "a.csv", twins_in_one_household))
    keep, drop = Person.objects.order_by("pk")
    services.person_merge(user=user_a, keep=keep, drop=drop, reason="one person")

    again = [dict(twins_in_one_household[1], 职业="木工")]  # the dropped record's ID number
    batch = run(user_a, write_csv(tmp_path / "b.csv", again))
    assert (batch.created, batch.updated) == (0, 1)
    keep.refresh_from_db()
    assert keep.occupation == "木工"
    assert Person.objects.filter(merged_into__isnull=True).count() == 1
