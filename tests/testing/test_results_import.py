"""A lab's results file on the shared import pipeline: good rows written, bad rows kept with their reason."""

from __future__ import annotations

from django.utils import timezone

from fangkong.imports.models import ImportReject
from fangkong.imports.pipeline import import_file
from fangkong.testing import services
from fangkong.testing.models import Recall, Result, Tube
from tests.testing.conftest import pool, to_lab


def write_csv(tmp_path, lines):
    path = tmp_path / "results.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_good_rows_are_written_and_bad_rows_are_kept_with_their_reason(world, user_a, lab_user, tmp_path):
    persons = world["persons"]
    received = [pool(user_a, world["site"], f"T000{i}", persons[i * 3:i * 3 + 3]) for i in range(3)]
    to_lab(user_a, lab_user, world["site"], world["lab"], received)
    boxed_only = pool(user_a, world["site"], "T0009", persons[9:11])
    services.box_pack(by=user_a, site=world["site"], code="BOX-2", lab=world["lab"], barcodes=[boxed_only.barcode])
    when = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    path = write_csv(tmp_path, [
        "试管条码,检测结果,Ct值,检测时间",
        f"T0000,阴性,,{when}",
        f"T0001,阳性,31.5,{when}",
        f"NOPE01,阴性,,{when}",            # unknown tube
        f"T0009,阴性,,{when}",             # never received
        f"T0002,maybe,,{when}",            # malformed result
        f"T0002,阴性,99,{when}",           # Ct out of range
        f"T0002,negative,,{when}",         # good, after its bad twins
    ])
    batch = import_file(user=lab_user, path=path, kind="lab_results", workers=0)
    assert batch.status == "done", batch.error
    assert (batch.created, batch.rejected, batch.processed_rows) == (3, 4, 7)
    assert dict(Result.objects.values_list("tube__barcode", "outcome")) == {
        "T0000": "negative", "T0001": "positive", "T0002": "negative"}
    assert Recall.objects.filter(tube__barcode="T0001").count() == 3
    reasons = dict(ImportReject.objects.filter(batch=batch).values_list("row_number", "reason"))
    assert reasons[4] == "unknown tube"
    assert "not received" in reasons[5]
    assert "negative, positive or invalid" in reasons[6]
    assert "between 0 and 50" in reasons[7]
    assert Tube.objects.get(barcode="T0009").state == Tube.State.BOXED


def test_another_labs_tubes_are_unknown_tubes(world, user_a, lab_user, tmp_path, tree):
    from fangkong.core.models import Unit
    from tests.conftest import make_user

    other = Unit.objects.create(code="LAB-2", name="第二实验室", kind=Unit.Kind.LAB, area_code=tree["city"].code)
    stranger = make_user("otherlab", tree["city"].code, "lab", unit=other)
    tube = pool(user_a, world["site"], "T0001", world["persons"][:2])
    to_lab(user_a, lab_user, world["site"], world["lab"], [tube])
    path = write_csv(tmp_path, ["tube barcode,result,time", f"T0001,positive,{timezone.localtime():%Y-%m-%d %H:%M}"])
    batch = import_file(user=stranger, path=path, kind="lab_results", workers=0)
    assert (batch.created, batch.rejected) == (0, 1)
    assert not Result.objects.exists()


def test_a_file_without_the_result_column_is_refused_as_a_whole(world, lab_user, tmp_path):
    path = write_csv(tmp_path, ["试管条码,检测时间", "T0001,2022-04-05 10:00"])
    batch = import_file(user=lab_user, path=path, kind="lab_results", workers=0)
    assert batch.status == "failed" and "检测结果" in batch.error
