# The model moved from control (control.0010): the table exists already, so only Django's state changes.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("control", "0009_profile_switch_writes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ActiveProfile",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=60)),
                        ("version", models.PositiveIntegerField()),
                        ("activated_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("changed_orders", models.PositiveIntegerField(default=0)),
                        ("activated_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                    ],
                    options={"db_table": "control_activeprofile", "ordering": ["-activated_at"], "get_latest_by": "activated_at"},
                ),
            ],
            database_operations=[],
        ),
    ]
