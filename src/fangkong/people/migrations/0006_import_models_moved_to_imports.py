# ImportBatch and ImportReject now live in imports (imports.0001), on the same tables: state only.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('imports', '0001_initial'),
        ('control', '0017_import_batch_moved_to_imports'),
        ('people', '0005_remask_documents'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[
        migrations.RemoveField(
            model_name='importreject',
            name='batch',
        ),
        migrations.DeleteModel(
            name='ImportBatch',
        ),
        migrations.DeleteModel(
            name='ImportReject',
        ),
            ]),
    ]
