from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("households/", views.household_list, name="households"),
    path("households/<int:pk>/", views.household_detail, name="household"),
]
