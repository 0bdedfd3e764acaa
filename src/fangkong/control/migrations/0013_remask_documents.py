# Checkpoint passengers' document masks follow the new rule (people.0005 says why).

from django.db import migrations


def forward(apps, schema_editor):
    from fangkong.core.remask import remask_other_documents, remask_resident_ids

    with schema_editor.connection.cursor() as cur:
        remask_resident_ids(cur, "control_passenger")
        remask_other_documents(cur, "control_passenger")


class Migration(migrations.Migration):

    dependencies = [("control", "0012_hospital_takeover")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
