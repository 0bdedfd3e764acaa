from django.urls import path

from fangkong.healthcodes import views

app_name = "healthcodes"
urlpatterns = [
    path("codes/", views.code_list, name="codes"),
]
