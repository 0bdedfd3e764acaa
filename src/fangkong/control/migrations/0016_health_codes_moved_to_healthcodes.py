# HealthCode, HealthCodeChange and Verification now live in healthcodes (healthcodes.0001), on the same
# tables: only Django's state changes here.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('control', '0015_declaration_identity_pending'),
        ('healthcodes', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[
        migrations.RemoveField(
            model_name='healthcodechange',
            name='person',
        ),
        migrations.RemoveField(
            model_name='verification',
            name='person',
        ),
        migrations.RemoveField(
            model_name='verification',
            name='verified_by',
        ),
        migrations.DeleteModel(
            name='HealthCode',
        ),
        migrations.DeleteModel(
            name='HealthCodeChange',
        ),
        migrations.DeleteModel(
            name='Verification',
        ),
            ]),
    ]
