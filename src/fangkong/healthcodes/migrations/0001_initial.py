# The models moved from control (control.0016): the tables exist already, so only Django's state changes.

import django.db.models.deletion
import django.utils.timezone
import fangkong.healthcodes.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('people', '0005_remask_documents'),
        ('control', '0015_declaration_identity_pending'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[
        migrations.CreateModel(
            name='Verification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('device', models.CharField(max_length=64)),
                ('colour', models.CharField(max_length=6)),
                ('person', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='people.person')),
                ('verified_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'control_verification',
                'ordering': ['-at'],
            },
        ),
        migrations.CreateModel(
            name='HealthCode',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('area_code', models.CharField(max_length=24)),
                ('token', models.CharField(default=fangkong.healthcodes.models.new_token, max_length=43)),
                ('colour', models.CharField(choices=[('green', 'Green'), ('yellow', 'Yellow'), ('red', 'Red')], default='green', max_length=6)),
                ('reasons', models.JSONField(default=list)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('person', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='health_code', to='people.person')),
            ],
            options={
                'db_table': 'control_healthcode',
                'indexes': [models.Index(fields=['area_code'], name='healthcode_area')],
                'constraints': [models.UniqueConstraint(fields=('token',), name='healthcode_token_unique')],
            },
        ),
        migrations.CreateModel(
            name='HealthCodeChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('area_code', models.CharField(max_length=24)),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('colour_from', models.CharField(blank=True, max_length=6)),
                ('colour_to', models.CharField(max_length=6)),
                ('cause', models.JSONField(default=list)),
                ('person', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='people.person')),
            ],
            options={
                'db_table': 'control_healthcodechange',
                'indexes': [models.Index(fields=['person', 'at'], name='colourchange_person_at'), models.Index(fields=['area_code', 'at'], name='colourchange_area_at')],
            },
        ),
            ]),
    ]
