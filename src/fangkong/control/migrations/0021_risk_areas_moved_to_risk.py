# The risk-area list moved to its own app (risk.0001); the tables keep their names, so only Django's state changes.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('risk', '0001_initial'),
        ('control', '0020_gatherings_moved_to_gatherings'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[
            migrations.RemoveField(
                model_name='riskarea',
                name='created_by',
            ),
            migrations.DeleteModel(
                name='HistoricalRiskArea',
            ),
            migrations.DeleteModel(
                name='RiskArea',
            ),
        ]),
    ]
