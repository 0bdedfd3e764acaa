"""The admin: users, API tokens and the access log, for the city command's staff.

When settings.FANGKONG_REQUIRE_OTP is on (the default once DEBUG is off), staff and
the admin roles (core.roles.ADMIN_ROLES) must sign in with a TOTP code as well as
their password (`fangkong otp add USERNAME` registers a device).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from .models import AccessLog, ApiToken, AuditEvent, User
from .roles import ADMIN_ROLES


def needs_otp(user) -> bool:
    if not settings.FANGKONG_REQUIRE_OTP:
        return False
    return bool(user.is_staff or user.is_superuser or getattr(user, "role", "") in ADMIN_ROLES)


class FangkongAdminSite(OTPAdminSite):
    """Django's admin site, plus a verified TOTP device for those who need one (decided per request)."""

    site_header = _("Fangkong administration")

    @property
    def login_form(self):
        return OTPAdminAuthenticationForm if settings.FANGKONG_REQUIRE_OTP else AdminAuthenticationForm

    @property
    def login_template(self):
        return "otp/admin111/login.html" if settings.FANGKONG_REQUIRE_OTP else None

    def has_permission(self, request):
        if not admin.AdminSite.has_permission(self, request):
            return False
        return request.user.is_verified() if needs_otp(request.user) else True


# Keep the one default site (every app registers on it) but give it our checks.
admin.site.__class__ = FangkongAdminSite


@admin.register(User)
class FangkongUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Fangkong", {"fields": ("area_code", "role", "phone")}))
    list_display = ("username", "first_name", "area_code", "role", "is_active")
    list_filter = ("role", "is_active")


class UserFilter(admin.SimpleListFilter):
    """Filter by the user who read the data (usernames that appear in the log)."""

    title = _("user")
    parameter_name = "username"

    def lookups(self, request, model_admin):
        names = AccessLog.objects.order_by("username").values_list("username", flat=True).distinct()[:500]
        return [(n, n) for n in names]

    def queryset(self, request, queryset):
        return queryset.filter(username=self.value()) if self.value() else queryset


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: who saw which record unmasked or looked a document up, when and why.

    Search by object as `person:123` (type and id), or by a record id, a username or a word of the reason.
    """

    list_display = ("at", "username", "action", "object_type", "object_id", "fields", "reason", "ip")
    list_filter = (UserFilter, "action", "object_type", ("at", admin.DateFieldListFilter))
    search_fields = ("=object_id", "=username", "reason")
    search_help_text = _("person:123 for one record; or a record id, a username, a word of the reason")
    date_hierarchy = "at"
    show_full_result_count = False  # the log grows large; no second COUNT(*) per page
    list_per_page = 100

    def get_search_results(self, request, queryset, search_term):
        kind, sep, ident = search_term.strip().partition(":")
        if sep and kind and ident and " " not in search_term.strip():
            return queryset.filter(object_type=kind.strip(), object_id=ident.strip()), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # entries leave only through `fangkong purge` (retention period)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    search_fields = ("prefix", "user__username")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only logs: nobody adds, changes or deletes a row here, superusers included."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_name", "action", "object_type", "object_id", "area_code", "count", "reason")
    list_filter = ("action", ("at", admin.DateFieldListFilter))
    search_fields = ("=object_id", "=actor_name", "=area_code")
    show_full_result_count = False
    list_per_page = 100
