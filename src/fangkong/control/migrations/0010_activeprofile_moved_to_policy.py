# ActiveProfile now lives in policy (policy.0001), on the same table: only Django's state changes here.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("control", "0009_profile_switch_writes"),
        ("policy", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="ActiveProfile")], database_operations=[]),
    ]
