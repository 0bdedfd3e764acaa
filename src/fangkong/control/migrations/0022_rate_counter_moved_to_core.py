# The rate-limit counter moved to core (core.0004), beside the other shared mechanisms; only Django's state changes.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_rate_counter_from_control'),
        ('control', '0021_risk_areas_moved_to_risk'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[
            migrations.DeleteModel(
                name='RateCounter',
            ),
        ]),
    ]
