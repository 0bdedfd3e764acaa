# Arrivals, checkpoints, declarations and import rows moved to their own app (arrivals.0001); the tables keep their names, so only Django's state changes.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('arrivals', '0001_initial'),
        ('control', '0022_rate_counter_moved_to_core'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[
            migrations.RemoveField(
                model_name='selfdeclaration',
                name='arrival',
            ),
            migrations.AlterField(
                model_name='controlorder',
                name='arrival',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='orders', to='arrivals.arrival'),
            ),
            migrations.AlterField(
                model_name='historicalcontrolorder',
                name='arrival',
                field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='arrivals.arrival'),
            ),
            migrations.RemoveField(
                model_name='arrivalimportrow',
                name='arrival',
            ),
            migrations.RemoveField(
                model_name='passenger',
                name='arrival',
            ),
            migrations.RemoveField(
                model_name='arrivalimportrow',
                name='batch',
            ),
            migrations.RemoveField(
                model_name='arrivalimportrow',
                name='person',
            ),
            migrations.RemoveField(
                model_name='checkpoint',
                name='area',
            ),
            migrations.RemoveField(
                model_name='passage',
                name='checkpoint',
            ),
            migrations.RemoveField(
                model_name='passenger',
                name='checkpoint',
            ),
            migrations.RemoveField(
                model_name='declarationposter',
                name='rotated_by',
            ),
            migrations.RemoveField(
                model_name='historicalcheckpoint',
                name='area',
            ),
            migrations.RemoveField(
                model_name='historicalcheckpoint',
                name='history_user',
            ),
            migrations.RemoveField(
                model_name='passage',
                name='entered_by',
            ),
            migrations.RemoveField(
                model_name='passenger',
                name='passage',
            ),
            migrations.RemoveField(
                model_name='passenger',
                name='person',
            ),
            migrations.RemoveField(
                model_name='selfdeclaration',
                name='confirmed_by',
            ),
            migrations.RemoveField(
                model_name='selfdeclaration',
                name='person',
            ),
            migrations.DeleteModel(
                name='Arrival',
            ),
            migrations.DeleteModel(
                name='ArrivalImportRow',
            ),
            migrations.DeleteModel(
                name='Checkpoint',
            ),
            migrations.DeleteModel(
                name='DeclarationPoster',
            ),
            migrations.DeleteModel(
                name='HistoricalCheckpoint',
            ),
            migrations.DeleteModel(
                name='Passage',
            ),
            migrations.DeleteModel(
                name='Passenger',
            ),
            migrations.DeleteModel(
                name='SelfDeclaration',
            ),
        ]),
    ]
