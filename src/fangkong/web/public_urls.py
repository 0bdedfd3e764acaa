"""Public no-login routes, short so that their QR codes stay small: /d/ declaration (arrivals), /c/ personal
check-in (control). Here, above both apps, because the two share the one `public` namespace."""

from django.urls import path

from fangkong.arrivals import public_views as declaration_views
from fangkong.control import public_views as checkin_views

app_name = "public"
urlpatterns = [
    path("d/<str:token>/", declaration_views.declare, name="declare"),
    path("d/<str:token>/places/", declaration_views.declare_places, name="declare_places"),
    path("c/<str:token>/", checkin_views.checkin, name="checkin"),
]
