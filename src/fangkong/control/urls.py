from django.urls import path

from fangkong.control import public_staff_views, views

app_name = "control"
urlpatterns = [
    path("today/", views.today_list, name="today"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/release/", views.order_release, name="order_release"),
    path("orders/<int:pk>/hospital/", views.order_hospital, name="order_hospital"),
    path("orders/<int:pk>/checkin-link/", public_staff_views.checkin_link, name="checkin_link"),
    path("tests/<int:pk>/result/", views.test_result, name="test_result"),
    path("escalations/", views.escalations, name="escalations"),
    path("escalations/<int:pk>/resolve/", views.escalation_resolve, name="escalation_resolve"),
    path("policy/", views.profile_switch, name="profile"),
]
