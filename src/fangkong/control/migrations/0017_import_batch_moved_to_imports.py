# ImportBatch moved to imports (same table): the foreign key's target changes in Django's state only.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('control', '0016_health_codes_moved_to_healthcodes'),
        ('imports', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[
        migrations.AlterField(
            model_name='arrivalimportrow',
            name='batch',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='arrival_rows', to='imports.importbatch'),
        ),
            ]),
    ]
