from django.urls import path

from . import views, views_import, views_transfers

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("households/", views.household_list, name="households"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("transfers/", views_transfers.transfers, name="transfers"),
    path("transfers/<int:pk>/decide", views_transfers.transfer_decide, name="transfer_decide"),
]


urlpatterns += [
    path("import/", views_import.import_upload, name="import"),
    path("import/template.xlsx", views_import.import_template, name="import_template"),
    path("import/<int:pk>/", views_import.import_status, name="import_status"),
    path("import/<int:pk>/rejects.xlsx", views_import.import_rejects, name="import_rejects"),
    path("export.<str:fmt>", views_import.person_export, name="export"),
    path("duplicates/", views_import.duplicate_list, name="duplicates"),
    path("duplicates/<int:pk>/", views_import.duplicate_detail, name="duplicate"),
    path("duplicates/<int:pk>/decide", views_import.duplicate_decide, name="duplicate_decide"),
]
