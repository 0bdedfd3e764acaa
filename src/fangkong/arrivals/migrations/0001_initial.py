# The models moved from control (control.0023): the tables exist already, so only Django's state changes.

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('control', '0022_rate_counter_moved_to_core'),
        ('areas', '0003_area_tallies'),
        ('imports', '0001_initial'),
        ('people', '0006_import_models_moved_to_imports'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[
            migrations.CreateModel(
                name='Arrival',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('area_code', models.CharField(db_index=True, max_length=24)),
                    ('category', models.CharField(max_length=40, verbose_name='category')),
                    ('origin_code', models.CharField(blank=True, max_length=24, verbose_name='origin code')),
                    ('origin_name', models.CharField(max_length=200, verbose_name='origin')),
                    ('origin_risk', models.CharField(blank=True, choices=[('high', 'High risk'), ('medium', 'Medium risk'), ('low', 'Low risk')], max_length=6, verbose_name='origin risk')),
                    ('route', models.CharField(blank=True, max_length=300, verbose_name='route')),
                    ('transport', models.CharField(choices=[('plane', 'Plane'), ('train', 'Train'), ('car', 'Car'), ('bus', 'Bus'), ('other', 'Other')], default='other', max_length=10, verbose_name='transport')),
                    ('transport_number', models.CharField(blank=True, max_length=40, verbose_name='flight / train / plate')),
                    ('arrived_on', models.DateField(verbose_name='arrival date')),
                    ('negative_test_date', models.DateField(blank=True, null=True, verbose_name='last negative test')),
                    ('released_from_centralized_isolation', models.BooleanField(default=False)),
                    ('source', models.CharField(choices=[('checkpoint', 'Checkpoint'), ('self', 'Self-declaration'), ('assist', 'List pushed by another region (协查)'), ('big_data', 'Big-data push'), ('import', 'Spreadsheet import'), ('manual', 'Entered by staff')], max_length=12, verbose_name='source')),
                    ('reported_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('routed_at', models.DateTimeField(blank=True, null=True)),
                    ('household', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to='people.household')),
                    ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='arrivals', to='people.person')),
                    ('reported_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                    ('routed_to', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to='areas.responsible')),
                ],
                options={
                    'db_table': 'control_arrival',
                    'ordering': ['-reported_at'],
                },
            ),
            migrations.CreateModel(
                name='ArrivalImportRow',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('row_number', models.PositiveIntegerField()),
                    ('area_code', models.CharField(db_index=True, max_length=24)),
                    ('reference', models.CharField(blank=True, max_length=64, verbose_name='reference (协查编号)')),
                    ('pushing_unit', models.CharField(blank=True, max_length=200, verbose_name='pushing unit')),
                    ('pushed_at', models.DateTimeField(blank=True, null=True, verbose_name='pushed at')),
                    ('outcome', models.CharField(choices=[('created', 'Created: new person registered'), ('matched', 'Matched: registered person'), ('unchanged', 'Already registered'), ('not_found', 'Not found in our area'), ('rejected', 'Rejected'), ('elsewhere', 'Registered in another area: passed to that area')], max_length=10)),
                    ('person_created', models.BooleanField(default=False)),
                    ('reason', models.CharField(blank=True, max_length=300)),
                    ('arrival', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='import_rows', to='arrivals.arrival')),
                    ('batch', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='arrival_rows', to='imports.importbatch')),
                    ('person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='people.person')),
                ],
                options={
                    'db_table': 'control_arrivalimportrow',
                    'ordering': ['batch', 'row_number'],
                },
            ),
            migrations.CreateModel(
                name='Checkpoint',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=100, verbose_name='name')),
                    ('channel', models.CharField(choices=[('airport', 'Airport'), ('railway', 'Railway station'), ('highway', 'Highway'), ('road', 'National / provincial road')], max_length=10, verbose_name='channel')),
                    ('area_code', models.CharField(db_index=True, max_length=24)),
                    ('location', models.CharField(blank=True, max_length=200, verbose_name='location')),
                    ('active', models.BooleanField(default=True, verbose_name='active')),
                    ('responsible_name', models.CharField(blank=True, max_length=50, verbose_name='person in charge')),
                    ('responsible_phone', models.CharField(blank=True, max_length=20, verbose_name='phone of the person in charge')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('area', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='checkpoints', to='areas.area', verbose_name='area')),
                ],
                options={
                    'db_table': 'control_checkpoint',
                    'ordering': ['area_code', 'channel', 'name'],
                },
            ),
            migrations.CreateModel(
                name='DeclarationPoster',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('area_code', models.CharField(max_length=24, unique=True)),
                    ('generation', models.PositiveIntegerField(default=0)),
                    ('rotated_at', models.DateTimeField(blank=True, null=True)),
                    ('rotated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'control_declarationposter',
                },
            ),
            migrations.CreateModel(
                name='HistoricalCheckpoint',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('name', models.CharField(max_length=100, verbose_name='name')),
                    ('channel', models.CharField(choices=[('airport', 'Airport'), ('railway', 'Railway station'), ('highway', 'Highway'), ('road', 'National / provincial road')], max_length=10, verbose_name='channel')),
                    ('area_code', models.CharField(db_index=True, max_length=24)),
                    ('location', models.CharField(blank=True, max_length=200, verbose_name='location')),
                    ('active', models.BooleanField(default=True, verbose_name='active')),
                    ('responsible_name', models.CharField(blank=True, max_length=50, verbose_name='person in charge')),
                    ('responsible_phone', models.CharField(blank=True, max_length=20, verbose_name='phone of the person in charge')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('area', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='areas.area', verbose_name='area')),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'historical checkpoint',
                    'verbose_name_plural': 'historical checkpoints',
                    'db_table': 'control_historicalcheckpoint',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='Passage',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('area_code', models.CharField(max_length=24)),
                    ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='time')),
                    ('plate', models.CharField(blank=True, max_length=8, verbose_name='vehicle plate')),
                    ('trip_number', models.CharField(blank=True, max_length=20, verbose_name='flight / train number')),
                    ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                    ('entered_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('checkpoint', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='passages', to='arrivals.checkpoint')),
                    ('entered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'control_passage',
                    'ordering': ['-at', '-pk'],
                },
            ),
            migrations.CreateModel(
                name='Passenger',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('area_code', models.CharField(max_length=24)),
                    ('at', models.DateTimeField()),
                    ('seq', models.PositiveSmallIntegerField()),
                    ('name', models.CharField(max_length=100, verbose_name='name')),
                    ('id_type', models.CharField(default='resident_id', max_length=20, verbose_name='document type')),
                    ('id_number_sealed', models.TextField(blank=True, default='')),
                    ('id_number_hash', models.CharField(blank=True, db_index=True, default='', max_length=64)),
                    ('id_number_masked', models.CharField(blank=True, default='', max_length=40, verbose_name='document number')),
                    ('phone_sealed', models.TextField(blank=True, default='')),
                    ('phone_hash', models.CharField(blank=True, default='', max_length=64)),
                    ('phone_masked', models.CharField(blank=True, default='', max_length=20, verbose_name='phone')),
                    ('origin_code', models.CharField(blank=True, max_length=24, verbose_name='origin code')),
                    ('origin_name', models.CharField(max_length=200, verbose_name='coming from')),
                    ('destination_code', models.CharField(blank=True, max_length=32, verbose_name='destination')),
                    ('temperature', models.DecimalField(decimal_places=1, max_digits=3, verbose_name='temperature (°C)')),
                    ('fever', models.BooleanField(default=False)),
                    ('colour', models.CharField(choices=[('green', 'Green'), ('yellow', 'Yellow'), ('red', 'Red')], max_length=6, verbose_name='health code')),
                    ('code_scanned', models.BooleanField(default=False)),
                    ('outcome', models.CharField(choices=[('let_through', 'Let through'), ('turned_back', 'Turned back (劝返)'), ('medical', 'Handed to medical staff')], max_length=12, verbose_name='outcome')),
                    ('arrival', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='arrivals.arrival')),
                    ('checkpoint', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='arrivals.checkpoint')),
                    ('passage', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='passengers', to='arrivals.passage')),
                    ('person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='people.person')),
                ],
                options={
                    'db_table': 'control_passenger',
                    'ordering': ['passage', 'seq'],
                },
            ),
            migrations.CreateModel(
                name='SelfDeclaration',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('community_code', models.CharField(db_index=True, max_length=24)),
                    ('area_code', models.CharField(db_index=True, max_length=24)),
                    ('declared_name', models.CharField(max_length=100, verbose_name='declared name')),
                    ('phone_sealed', models.TextField(blank=True, default='')),
                    ('phone_hash', models.CharField(blank=True, default='', max_length=64)),
                    ('phone_masked', models.CharField(blank=True, default='', max_length=20, verbose_name='declared phone')),
                    ('building_code', models.CharField(blank=True, max_length=24)),
                    ('address_text', models.CharField(max_length=200, verbose_name='declared address')),
                    ('person_created', models.BooleanField(default=False)),
                    ('household_pending', models.BooleanField(db_index=True, default=False, verbose_name='household to be confirmed')),
                    ('identity_pending', models.BooleanField(db_index=True, default=False, verbose_name='person to be confirmed')),
                    ('origin_pending', models.BooleanField(db_index=True, default=False, verbose_name='origin to be confirmed')),
                    ('confirmed_at', models.DateTimeField(blank=True, null=True)),
                    ('submissions', models.PositiveIntegerField(default=1)),
                    ('submitted_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('arrival', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='declaration', to='arrivals.arrival')),
                    ('confirmed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='people.person')),
                ],
                options={
                    'db_table': 'control_selfdeclaration',
                    'ordering': ['-submitted_at'],
                },
            ),
            migrations.AddIndex(
                model_name='arrival',
                index=models.Index(fields=['area_code', 'arrived_on'], name='control_arr_area_co_36ed72_idx'),
            ),
            migrations.AddIndex(
                model_name='arrivalimportrow',
                index=models.Index(fields=['pushing_unit', 'reference'], name='arrival_row_reference'),
            ),
            migrations.AddConstraint(
                model_name='arrivalimportrow',
                constraint=models.UniqueConstraint(fields=('batch', 'row_number'), name='arrival_row_once_per_batch'),
            ),
            migrations.AddConstraint(
                model_name='arrivalimportrow',
                constraint=models.UniqueConstraint(condition=models.Q(('outcome__in', ['created', 'matched']), models.Q(('reference', ''), _negated=True)), fields=('pushing_unit', 'reference'), name='arrival_reference_registered_once'),
            ),
            migrations.AddConstraint(
                model_name='checkpoint',
                constraint=models.UniqueConstraint(fields=('area', 'name'), name='checkpoint_unique_name_per_area'),
            ),
            migrations.AddConstraint(
                model_name='checkpoint',
                constraint=models.CheckConstraint(condition=models.Q(('channel__in', ['airport', 'railway', 'highway', 'road'])), name='checkpoint_channel_known'),
            ),
            migrations.AddIndex(
                model_name='passage',
                index=models.Index(fields=['checkpoint', 'at'], name='control_pas_checkpo_a622ab_idx'),
            ),
            migrations.AddIndex(
                model_name='passage',
                index=models.Index(fields=['area_code', 'at'], name='control_pas_area_co_85e01b_idx'),
            ),
            migrations.AddIndex(
                model_name='passenger',
                index=models.Index(fields=['checkpoint', 'at'], name='control_pas_checkpo_76f74e_idx'),
            ),
            migrations.AddIndex(
                model_name='passenger',
                index=models.Index(fields=['area_code', 'at'], name='control_pas_area_co_d623c5_idx'),
            ),
            migrations.AddConstraint(
                model_name='passenger',
                constraint=models.UniqueConstraint(fields=('passage', 'seq'), name='passenger_once_per_row'),
            ),
            migrations.AddConstraint(
                model_name='passenger',
                constraint=models.CheckConstraint(condition=models.Q(('temperature__gte', 34), ('temperature__lte', 43)), name='passenger_temperature_plausible'),
            ),
            migrations.AddConstraint(
                model_name='passenger',
                constraint=models.CheckConstraint(condition=models.Q(('outcome__in', ['let_through', 'turned_back', 'medical'])), name='passenger_outcome_known'),
            ),
            migrations.AddConstraint(
                model_name='passenger',
                constraint=models.CheckConstraint(condition=models.Q(('outcome', 'medical'), models.Q(('fever', False), models.Q(('colour', 'red'), _negated=True)), _connector='OR'), name='passenger_fever_or_red_to_medical'),
            ),
            migrations.AddIndex(
                model_name='selfdeclaration',
                index=models.Index(fields=['person', 'community_code', 'submitted_at'], name='declaration_idempotency'),
            ),
        ]),
    ]
