from django.urls import path

from . import search_views, views

app_name = "ui"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("search/", search_views.search, name="search"),
]
