# The models moved from control (control.0021): the tables exist already, so only Django's state changes.

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('control', '0020_gatherings_moved_to_gatherings'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[
            migrations.CreateModel(
                name='HistoricalRiskArea',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('division_code', models.CharField(blank=True, db_index=True, max_length=24, verbose_name='division code')),
                    ('region_name', models.CharField(max_length=200, verbose_name='area name')),
                    ('level', models.CharField(choices=[('high', 'High risk'), ('medium', 'Medium risk'), ('low', 'Low risk')], max_length=6, verbose_name='risk level')),
                    ('zone', models.CharField(blank=True, choices=[('', 'No zone'), ('sealed', 'Sealed zone (封控区)'), ('controlled', 'Controlled zone (管控区)'), ('prevention', 'Prevention zone (防范区)')], default='', max_length=10, verbose_name='zone')),
                    ('starts_on', models.DateField(verbose_name='from')),
                    ('lifted_on', models.DateField(blank=True, null=True, verbose_name='lifted on')),
                    ('source', models.CharField(blank=True, max_length=200, verbose_name='source')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'historical risk area',
                    'verbose_name_plural': 'historical risk areas',
                    'db_table': 'control_historicalriskarea',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='RiskArea',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('division_code', models.CharField(blank=True, db_index=True, max_length=24, verbose_name='division code')),
                    ('region_name', models.CharField(max_length=200, verbose_name='area name')),
                    ('level', models.CharField(choices=[('high', 'High risk'), ('medium', 'Medium risk'), ('low', 'Low risk')], max_length=6, verbose_name='risk level')),
                    ('zone', models.CharField(blank=True, choices=[('', 'No zone'), ('sealed', 'Sealed zone (封控区)'), ('controlled', 'Controlled zone (管控区)'), ('prevention', 'Prevention zone (防范区)')], default='', max_length=10, verbose_name='zone')),
                    ('starts_on', models.DateField(verbose_name='from')),
                    ('lifted_on', models.DateField(blank=True, null=True, verbose_name='lifted on')),
                    ('source', models.CharField(blank=True, max_length=200, verbose_name='source')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'control_riskarea',
                    'ordering': ['-starts_on', 'division_code', 'region_name'],
                    'indexes': [models.Index(fields=['starts_on', 'lifted_on'], name='control_ris_starts__213e7d_idx')],
                    'constraints': [models.CheckConstraint(condition=models.Q(('lifted_on__isnull', True), ('lifted_on__gt', models.F('starts_on')), _connector='OR'), name='risk_area_lifted_after_start'), models.UniqueConstraint(fields=('division_code', 'region_name', 'starts_on'), name='risk_area_once_per_start')],
                },
            ),
        ]),
    ]
