from django.urls import path

from . import list_views, search_views, views

app_name = "ui"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("views/", list_views.saved_view_bar, name="saved-view-bar"),
    path("views/save/", list_views.saved_view_create, name="saved-view-create"),
    path("views/<int:pk>/delete/", list_views.saved_view_delete_view, name="saved-view-delete"),
    path("bulk/", list_views.bulk_run, name="bulk-run"),
    path("search/", search_views.search, name="search"),
]
