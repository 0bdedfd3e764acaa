from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .api import api
from .core.audit_views import audit_log

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("audit/", audit_log, name="audit_log"),
    path("areas/", include("fangkong.areas.urls")),
    path("people/", include("fangkong.people.urls")),
    path("control/", include("fangkong.control.urls")),
    path("control/", include("fangkong.gatherings.urls")),
    path("control/", include("fangkong.risk.urls")),
    path("control/", include("fangkong.arrivals.urls")),
    path("control/", include("fangkong.healthcodes.urls")),
    path("", include("fangkong.web.public_urls")),  # public no-login pages: /d/ declaration, /c/ check-in
    path("testing/", include("fangkong.testing.urls")),
    path("", include("fangkong.web.urls")),
]
