from django.urls import path

from . import views, views_users

app_name = "areas"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("search/", views.search, name="search"),
    path("unassigned/", views.unassigned, name="unassigned_root"),
    path("users/", views_users.users, name="users"),
    path("users/<int:pk>/", views_users.user, name="user"),
    path("users/<int:pk>/action/", views_users.user_action, name="user_action"),
    path("responsibles/<int:pk>/replace/", views.responsible_replace, name="responsible_replace"),
    path("responsibles/<int:pk>/deactivate/", views.responsible_deactivate, name="responsible_deactivate"),
    path("teams/<int:pk>/", views.team, name="team"),
    path("teams/members/<int:pk>/remove/", views.team_member_remove, name="team_member_remove"),
    path("shifts/<int:pk>/remove/", views.shift_remove, name="shift_remove"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/responsibles/", views.responsible_add, name="responsible_add"),
    path("<str:code>/board/", views.board, name="board"),
    path("<str:code>/households/assign/", views.households_assign, name="households_assign"),
    path("<str:code>/unassigned/", views.unassigned, name="unassigned"),
    path("<str:code>/teams/", views.teams, name="teams"),
    path("<str:code>/roster/", views.roster, name="roster"),
]
