from django.urls import path

from fangkong.arrivals import poster_views, views, views_import

# Under /control/ as before the split, so every address stays.
app_name = "arrivals"
urlpatterns = [
    path("arrivals/new/<int:person_pk>/", views.arrival_new, name="arrival_new"),
    # checkpoints (卡口)
    path("checkpoints/", views.checkpoints, name="checkpoints"),
    path("checkpoints/<int:pk>/", views.checkpoint_day, name="checkpoint_day"),
    path("checkpoints/<int:pk>/entry/", views.checkpoint_entry, name="checkpoint_entry"),
    path("checkpoints/<int:pk>/places/", views.checkpoint_places, name="checkpoint_places"),
    # declaration posters and the declarations that wait for a worker
    path("declare/posters/", poster_views.posters, name="declare_posters"),
    path("declare/posters/<str:code>/", poster_views.poster, name="declare_poster"),
    path("declare/posters/<str:code>/qr.svg", poster_views.poster_svg, name="declare_poster_svg"),
    path("declare/posters/<str:code>/rotate/", poster_views.poster_rotate, name="declare_poster_rotate"),
    path("declarations/<int:pk>/household/", poster_views.declaration_confirm, name="declaration_confirm"),
    # imports of 协查 lists and arrival sheets
    path("arrivals/import/", views_import.arrival_import_upload, name="arrival_import"),
    path("arrivals/import/template.xlsx", views_import.arrival_import_template, name="arrival_import_template"),
    path("arrivals/import/<int:pk>/", views_import.arrival_import_status, name="arrival_import_status"),
    path("arrivals/import/<int:pk>/errors.xlsx", views_import.arrival_import_errors, name="arrival_import_errors"),
    path("arrivals/import/<int:pk>/feedback.<str:fmt>", views_import.arrival_import_feedback, name="arrival_import_feedback"),
]
