from django.urls import path

from fangkong.gatherings import views

# Under /control/ as before the split, so every address stays.
app_name = "gatherings"
urlpatterns = [
    path("gatherings/", views.gathering_list, name="gatherings"),
    path("gatherings/new/", views.gathering_new, name="gathering_new"),
    path("gatherings/pending/", views.gathering_pending, name="gatherings_pending"),
    path("gatherings/calendar/", views.gathering_calendar, name="gatherings_calendar"),
    path("gatherings/<int:pk>/", views.gathering_detail, name="gathering"),
    path("gatherings/<int:pk>/decide/", views.gathering_decide, name="gathering_decide"),
    path("gatherings/<int:pk>/plan/", views.gathering_plan, name="gathering_plan"),
]
