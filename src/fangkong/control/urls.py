from django.urls import path

from . import views

app_name = "control"
urlpatterns = [
    path("risk-areas/", views.risk_areas, name="risk_areas"),
    path("today/", views.today_list, name="today"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/release/", views.order_release, name="order_release"),
    path("tests/<int:pk>/result/", views.test_result, name="test_result"),
    path("arrivals/new/<int:person_pk>/", views.arrival_new, name="arrival_new"),
    path("escalations/", views.escalations, name="escalations"),
    path("escalations/<int:pk>/resolve/", views.escalation_resolve, name="escalation_resolve"),
    path("policy/", views.profile_switch, name="profile"),
    # --- Capability 8: gatherings (聚集性活动报批) ---
    path("gatherings/", views.gathering_list, name="gatherings"),
    path("gatherings/new/", views.gathering_new, name="gathering_new"),
    path("gatherings/pending/", views.gathering_pending, name="gatherings_pending"),
    path("gatherings/calendar/", views.gathering_calendar, name="gatherings_calendar"),
    path("gatherings/<int:pk>/", views.gathering_detail, name="gathering"),
    path("gatherings/<int:pk>/decide/", views.gathering_decide, name="gathering_decide"),
    path("gatherings/<int:pk>/plan/", views.gathering_plan, name="gathering_plan"),
]
