"""The admin of gatherings: applications with their steps, scoped to the staff user's area."""

from django.contrib import admin

from fangkong.core.admin import AreaScopedAdmin
from fangkong.gatherings.models import Gathering, GatheringStep


class GatheringStepInline(admin.TabularInline):
    model = GatheringStep
    extra = 0
    can_delete = False
    fields = ("status", "by_name", "at", "reason")
    readonly_fields = fields


@admin.register(Gathering)
class GatheringAdmin(AreaScopedAdmin, admin.ModelAdmin):
    """For the city command's staff: read the applications and their history; decisions go through the UI or the API."""

    list_display = ("title", "kind", "area_code", "starts_at", "expected_attendance", "status", "submitted_at")
    list_filter = ("status", "kind")
    search_fields = ("title", "organiser", "venue", "area_code")
    date_hierarchy = "starts_at"
    ordering = ("-starts_at",)
    inlines = [GatheringStepInline]
    # The sealed phone and its hash stay out of the admin; the masked value is enough to tell applications apart.
    exclude = ("contact_phone_sealed", "contact_phone_hash")
    readonly_fields = ("contact_phone_masked", "area", "approver_code", "status", "submitted_by", "submitted_at",
                       "decided_by", "decided_at", "plan_file", "plan_file_name", "plan_file_type", "plan_file_size",
                       "plan_file_sha256")

    def has_add_permission(self, request):  # an application is submitted through the service, with its checks
        return False
