# One field type for sealed values (core.fields.SealedField): not editable; the column stays text, so no SQL.

import fangkong.core.fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('arrivals', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='passenger',
            name='id_number_sealed',
            field=fangkong.core.fields.SealedField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='passenger',
            name='phone_sealed',
            field=fangkong.core.fields.SealedField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='selfdeclaration',
            name='phone_sealed',
            field=fangkong.core.fields.SealedField(blank=True, default=''),
        ),
    ]
