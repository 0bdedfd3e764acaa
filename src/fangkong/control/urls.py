from django.urls import path

from . import views

app_name = "control"
urlpatterns = [
    path("risk-areas/", views.risk_areas, name="risk_areas"),
]
