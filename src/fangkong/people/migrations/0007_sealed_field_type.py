# One field type for sealed values (core.fields.SealedField): not editable; the column stays text, so no SQL.

import fangkong.core.fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0006_import_models_moved_to_imports'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalperson',
            name='id_number_sealed',
            field=fangkong.core.fields.SealedField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='historicalperson',
            name='phone_sealed',
            field=fangkong.core.fields.SealedField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='person',
            name='id_number_sealed',
            field=fangkong.core.fields.SealedField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='person',
            name='phone_sealed',
            field=fangkong.core.fields.SealedField(blank=True, default=''),
        ),
    ]
