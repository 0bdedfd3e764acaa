"""The admin shows the colour history read-only (it is append-only); codes change only through their services."""

from django.contrib import admin

from fangkong.core.admin import AreaScopedAdmin, ReadOnlyAdmin

from .models import HealthCodeChange


@admin.register(HealthCodeChange)
class HealthCodeChangeAdmin(AreaScopedAdmin, ReadOnlyAdmin):
    list_display = ("at", "person_id", "area_code", "colour_from", "colour_to", "cause")
    list_filter = ("colour_to",)
    search_fields = ("=person__id", "=area_code")
    show_full_result_count = False
