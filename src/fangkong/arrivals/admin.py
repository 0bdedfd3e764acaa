"""The admin for control: what the city command's staff set up by hand."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

# ---------------------------------------------------------------------------
# Capability 7: checkpoints (卡口)
# ---------------------------------------------------------------------------
from fangkong.arrivals.models import Checkpoint
from fangkong.core.admin import AreaScopedAdmin


@admin.register(Checkpoint)
class CheckpointAdmin(AreaScopedAdmin, SimpleHistoryAdmin):
    """Open, rename, move or close checkpoints. Passages are not edited here: they are the log."""

    list_display = ("name", "channel", "area", "location", "responsible_name", "responsible_phone", "active")
    list_filter = ("channel", "active")
    search_fields = ("name", "location", "=area_code")
    raw_id_fields = ("area",)
    readonly_fields = ("area_code", "created_at")
    fields = ("name", "channel", "area", "area_code", "location", "responsible_name", "responsible_phone", "active", "created_at")


