from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import AccessLog, ApiToken, User


@admin.register(User)
class FangkongUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Fangkong", {"fields": ("area_code", "role", "phone")}))
    list_display = ("username", "first_name", "area_code", "role", "is_active")
    list_filter = ("role", "is_active")


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "action", "object_type", "object_id", "fields", "reason", "ip")
    list_filter = ("action", "object_type")
    search_fields = ("username", "object_id", "reason")
    date_hierarchy = "at"

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked")
    readonly_fields = ("prefix", "digest")
