# Gatherings moved to their own app (gatherings.0001); the tables keep their names, so only Django's state changes.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('gatherings', '0001_initial'),
        ('control', '0019_declaration_origin_pending'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[
            migrations.RemoveField(
                model_name='gatheringstep',
                name='gathering',
            ),
            migrations.RemoveField(
                model_name='gatheringstep',
                name='by',
            ),
            migrations.DeleteModel(
                name='Gathering',
            ),
            migrations.DeleteModel(
                name='GatheringStep',
            ),
        ]),
    ]
