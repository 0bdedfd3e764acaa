# The mask of a document number changes (core.masking.mask_id_number): a masked number beside a birth date
# gave the whole number away. Stored masks are rewritten; history rows too, since the admin shows them.

from django.db import migrations


def forward(apps, schema_editor):
    from fangkong.core.remask import remask_other_documents, remask_resident_ids

    with schema_editor.connection.cursor() as cur:
        for table in ("people_person", "people_historicalperson"):
            remask_resident_ids(cur, table)
        remask_other_documents(cur, "people_person")


class Migration(migrations.Migration):

    dependencies = [("people", "0004_transfer_requests")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
