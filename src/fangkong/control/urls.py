from django.urls import path

from fangkong.control import public_staff_views, views, views_arrival_import

app_name = "control"
urlpatterns = [
    path("today/", views.today_list, name="today"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/release/", views.order_release, name="order_release"),
    path("orders/<int:pk>/hospital/", views.order_hospital, name="order_hospital"),
    path("tests/<int:pk>/result/", views.test_result, name="test_result"),
    path("arrivals/new/<int:person_pk>/", views.arrival_new, name="arrival_new"),
    path("escalations/", views.escalations, name="escalations"),
    path("escalations/<int:pk>/resolve/", views.escalation_resolve, name="escalation_resolve"),
    path("policy/", views.profile_switch, name="profile"),
]

# Capability 7: checkpoints (卡口)
urlpatterns += [
    path("checkpoints/", views.checkpoints, name="checkpoints"),
    path("checkpoints/<int:pk>/", views.checkpoint_day, name="checkpoint_day"),
    path("checkpoints/<int:pk>/entry/", views.checkpoint_entry, name="checkpoint_entry"),
    path("checkpoints/<int:pk>/places/", views.checkpoint_places, name="checkpoint_places"),
]

# --- capability 2 and 4, public pages: declaration posters, households to confirm, personal check-in links ---

urlpatterns += [
    path("declare/posters/", public_staff_views.posters, name="declare_posters"),
    path("declare/posters/<str:code>/", public_staff_views.poster, name="declare_poster"),
    path("declare/posters/<str:code>/qr.svg", public_staff_views.poster_svg, name="declare_poster_svg"),
    path("declare/posters/<str:code>/rotate/", public_staff_views.poster_rotate, name="declare_poster_rotate"),
    path("declarations/<int:pk>/household/", public_staff_views.declaration_confirm, name="declaration_confirm"),
    path("orders/<int:pk>/checkin-link/", public_staff_views.checkin_link, name="checkin_link"),
]

# --- arrivals import: 协查 lists and sheets (issue 4 capability 2) ---

urlpatterns += [
    path("arrivals/import/", views_arrival_import.arrival_import_upload, name="arrival_import"),
    path("arrivals/import/template.xlsx", views_arrival_import.arrival_import_template, name="arrival_import_template"),
    path("arrivals/import/<int:pk>/", views_arrival_import.arrival_import_status, name="arrival_import_status"),
    path("arrivals/import/<int:pk>/errors.xlsx", views_arrival_import.arrival_import_errors, name="arrival_import_errors"),
    path("arrivals/import/<int:pk>/feedback.<str:fmt>", views_arrival_import.arrival_import_feedback,
         name="arrival_import_feedback"),
]
