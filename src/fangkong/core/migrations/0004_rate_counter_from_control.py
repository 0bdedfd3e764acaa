# The rate-limit counter moved from control (control.0022): the table exists already, so only Django's state changes.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('control', '0021_risk_areas_moved_to_risk'),
        ('core', '0003_units_audit_events'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[
            migrations.CreateModel(
                name='RateCounter',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=100)),
                    ('bucket', models.BigIntegerField()),
                    ('hits', models.PositiveIntegerField(default=0)),
                    ('expires', models.BigIntegerField(db_index=True)),
                ],
                options={
                    'db_table': 'control_ratecounter',
                    'constraints': [models.UniqueConstraint(fields=('name', 'bucket'), name='ratecounter_once_per_window')],
                },
            ),
        ]),
    ]
