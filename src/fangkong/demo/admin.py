from django.contrib import admin

from .models import DemoBuild


@admin.register(DemoBuild)
class DemoBuildAdmin(admin.ModelAdmin):
    list_display = ("id", "people", "seed", "status", "phase", "persons_written", "created_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in DemoBuild._meta.fields]

    def has_add_permission(self, request):
        return False
