from django.urls import path

from . import views

app_name = "testing"
urlpatterns = [
    path("", views.campaigns, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign, name="campaign"),
    path("campaigns/<int:pk>/not-tested/", views.not_tested, name="not_tested"),
    path("sites/<int:pk>/sample/", views.sample, name="sample"),
    path("lab/", views.lab, name="lab"),
]
