"""The admin: users, API tokens and the access log, for the city command's staff.

Staff are bound to an area like every user: every admin of rows that belong to an area or to a user
(`AreaScopedAdmin`, `UsernameScopedAdmin`) shows, edits and deletes only the rows of the staff user's
subtree; a superuser bound to no area sees everything. tests/test_scoping_walk.py walks every changelist.

When settings.FANGKONG_REQUIRE_OTP is on (the default once DEBUG is off), staff and
the admin roles (core.roles.ADMIN_ROLES) must sign in with a TOTP code as well as
their password (`fangkong otp add USERNAME` registers a device).
"""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin
from axes.admin import AccessLogAdmin as AxesAccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog
from axes.models import AccessLog as AxesAccessLog
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AccessLog, ApiToken, AuditEvent, User
from .roles import ADMIN_ROLES
from .scoping import in_scope, scope


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


class AreaScopedAdmin:
    """A ModelAdmin mixin: staff see, change and delete only rows of their own subtree (core.scoping.scope),
    and cannot move a row into another area. `area_field` is the path to the row's area code.

    Rows of another area are absent from the changelist and its search; their change page answers as for a
    row that does not exist, and their history (which simple_history would read from the history table
    even when the row is out of the queryset) is refused.
    """

    area_field = "area_code"

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user, self.area_field)

    def _area_code_of(self, obj) -> str:
        value = obj
        for part in self.area_field.split("__"):
            value = getattr(value, part, None)
        return value if isinstance(value, str) else ""

    def _may_see(self, request, obj) -> bool:
        return obj is None or in_scope(request.user, self._area_code_of(obj))

    def has_view_permission(self, request, obj=None):
        return self._may_see(request, obj) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_see(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_see(request, obj) and super().has_delete_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class AreaScopedForm(form):
            def clean(self):
                data = super().clean()
                for name in ("area", "area_code"):
                    code = getattr(data.get(name), "code", data.get(name))
                    if name in self.fields and isinstance(code, str) and code and not in_scope(user, code):
                        self.add_error(name, _("This area is outside your own."))
                return data

        return AreaScopedForm


class UsernameScopedAdmin(AreaScopedAdmin):
    """For rows that name a user only by username (the login lockout's): those of users of the staff's subtree."""

    def get_queryset(self, request):
        usernames = scope(User.objects.all(), request.user).values("username")
        return super(AreaScopedAdmin, self).get_queryset(request).filter(username__in=usernames)

    def _may_see(self, request, obj) -> bool:
        return obj is None or scope(User.objects.filter(username=obj.username), request.user).exists()


@admin.register(User)
class FangkongUserAdmin(AreaScopedAdmin, UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Fangkong", {"fields": ("area_code", "role", "phone")}))
    list_display = ("username", "first_name", "area_code", "role", "is_active")
    list_filter = ("role", "is_active")


class UserFilter(admin.SimpleListFilter):
    """Filter by the user who read the data (usernames that appear in the log)."""

    title = _("user")
    parameter_name = "username"

    def lookups(self, request, model_admin):
        names = model_admin.get_queryset(request).order_by("username").values_list("username", flat=True).distinct()[:500]
        return [(n, n) for n in names]

    def queryset(self, request, queryset):
        return queryset.filter(username=self.value()) if self.value() else queryset


@admin.register(AccessLog)
class AccessLogAdmin(AreaScopedAdmin, admin.ModelAdmin):
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
    area_field = "user__area_code"  # the reader's area: staff see what their own users read

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
class ApiTokenAdmin(AreaScopedAdmin, admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    search_fields = ("prefix", "user__username")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")
    area_field = "user__area_code"


# The libraries' admins of per-user rows, scoped the same way.
for model, model_admin in ((AccessAttempt, AccessAttemptAdmin), (AxesAccessLog, AxesAccessLogAdmin),
                           (AccessFailureLog, AccessFailureLogAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, type(model_admin.__name__, (UsernameScopedAdmin, model_admin), {}))
admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, type("TOTPDeviceAdmin", (AreaScopedAdmin, TOTPDeviceAdmin), {"area_field": "user__area_code"}))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only logs: nobody adds, changes or deletes a row here, superusers included."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(AreaScopedAdmin, ReadOnlyAdmin):
    list_display = ("at", "actor_name", "action", "object_type", "object_id", "area_code", "count", "reason")
    list_filter = ("action", ("at", admin.DateFieldListFilter))
    search_fields = ("=object_id", "=actor_name", "=area_code")
    show_full_result_count = False
    list_per_page = 100
