# The models moved from control (control.0020): the tables exist already, so only Django's state changes.

import django.db.models.deletion
import django.utils.timezone
import fangkong.gatherings.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('control', '0019_declaration_origin_pending'),
        ('areas', '0003_area_tallies'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[
            migrations.CreateModel(
                name='Gathering',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('title', models.CharField(max_length=200, verbose_name='event')),
                    ('kind', models.CharField(choices=[('wedding', 'Wedding'), ('funeral', 'Funeral'), ('exhibition', 'Exhibition or fair'), ('conference', 'Conference or training'), ('performance', 'Performance'), ('sports', 'Sports event'), ('folk', 'Temple fair or folk festival'), ('promotion', 'Commercial promotion'), ('other', 'Other')], max_length=12, verbose_name='kind')),
                    ('organiser', models.CharField(max_length=200, verbose_name='organiser')),
                    ('contact_name', models.CharField(max_length=50, verbose_name='contact person')),
                    ('contact_phone_sealed', models.TextField(default='')),
                    ('contact_phone_hash', models.CharField(db_index=True, default='', max_length=64)),
                    ('contact_phone_masked', models.CharField(default='', max_length=20, verbose_name='contact phone')),
                    ('venue', models.CharField(max_length=200, verbose_name='venue')),
                    ('area_code', models.CharField(db_index=True, max_length=24, verbose_name='area code')),
                    ('approver_code', models.CharField(db_index=True, max_length=24)),
                    ('starts_at', models.DateTimeField(verbose_name='starts at')),
                    ('ends_at', models.DateTimeField(verbose_name='ends at')),
                    ('expected_attendance', models.PositiveIntegerField(verbose_name='expected attendance')),
                    ('plan_text', models.TextField(verbose_name='prevention plan')),
                    ('measures', models.JSONField(blank=True, default=list, verbose_name='measures')),
                    ('plan_file', models.FileField(blank=True, max_length=200, upload_to=fangkong.gatherings.models._gathering_plan_path)),
                    ('plan_file_name', models.CharField(blank=True, max_length=120)),
                    ('plan_file_type', models.CharField(blank=True, max_length=80)),
                    ('plan_file_size', models.PositiveIntegerField(blank=True, null=True)),
                    ('plan_file_sha256', models.CharField(blank=True, max_length=64)),
                    ('status', models.CharField(choices=[('submitted', 'Submitted'), ('approved', 'Approved'), ('rejected', 'Rejected'), ('withdrawn', 'Withdrawn'), ('cancelled', 'Cancelled')], db_index=True, default='submitted', max_length=10, verbose_name='status')),
                    ('submitted_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('decided_at', models.DateTimeField(blank=True, null=True)),
                    ('reason', models.CharField(blank=True, max_length=500, verbose_name='reason')),
                    ('area', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='areas.area')),
                    ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('submitted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'control_gathering',
                    'ordering': ['starts_at', 'pk'],
                },
            ),
            migrations.CreateModel(
                name='GatheringStep',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('status', models.CharField(choices=[('submitted', 'Submitted'), ('approved', 'Approved'), ('rejected', 'Rejected'), ('withdrawn', 'Withdrawn'), ('cancelled', 'Cancelled')], max_length=10)),
                    ('by_name', models.CharField(blank=True, max_length=150)),
                    ('at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('reason', models.CharField(blank=True, max_length=500)),
                    ('by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('gathering', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='steps', to='gatherings.gathering')),
                ],
                options={
                    'db_table': 'control_gatheringstep',
                    'ordering': ['at', 'pk'],
                },
            ),
            migrations.AddIndex(
                model_name='gathering',
                index=models.Index(fields=['status', 'area_code'], name='gathering_status_area'),
            ),
            migrations.AddIndex(
                model_name='gathering',
                index=models.Index(fields=['status', 'starts_at'], name='gathering_status_start'),
            ),
            migrations.AddConstraint(
                model_name='gathering',
                constraint=models.CheckConstraint(condition=models.Q(('ends_at__gt', models.F('starts_at'))), name='gathering_ends_after_start'),
            ),
            migrations.AddConstraint(
                model_name='gathering',
                constraint=models.CheckConstraint(condition=models.Q(('expected_attendance__gte', 51)), name='gathering_more_than_50'),
            ),
        ]),
    ]
