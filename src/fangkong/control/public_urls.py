"""Public no-login routes, short so that their QR codes stay small: /d/ declaration, /c/ personal check-in."""

from django.urls import path

from fangkong.control import public_views

app_name = "public"
urlpatterns = [
    path("d/<str:token>/", public_views.declare, name="declare"),
    path("d/<str:token>/places/", public_views.declare_places, name="declare_places"),
    path("c/<str:token>/", public_views.checkin, name="checkin"),
]
