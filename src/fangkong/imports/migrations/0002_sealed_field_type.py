# One field type for sealed values (core.fields.SealedField): not editable; the column stays text, so no SQL.

import fangkong.core.fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('imports', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='importreject',
            name='raw_sealed',
            field=fangkong.core.fields.SealedField(),
        ),
    ]
