from django.urls import path

from . import views

app_name = "tiering"

urlpatterns = [
    path("", views.reports, name="reports"),
    path("export.xlsx", views.export_xlsx, name="export"),
    path("policies/", views.policy_list, name="policies"),
    path("policies/<int:pk>/publish/", views.policy_publish, name="publish"),
    path("policies/<int:pk>/what-if/", views.policy_whatif, name="whatif"),
    path("customer/<int:pk>/", views.panel, name="panel"),
    path("customer/<int:pk>/override/", views.propose_override, name="propose"),
]
