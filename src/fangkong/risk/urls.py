from django.urls import path

from fangkong.risk import views

# Under /control/ as before the split, so every address stays.
app_name = "risk"
urlpatterns = [
    path("risk-areas/", views.risk_areas, name="risk_areas"),
]
