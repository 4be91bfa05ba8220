from django.urls import path

from . import views

app_name = "tiering"

urlpatterns = [
    path("", views.reports, name="report-list"),
    path("export.xlsx", views.export_xlsx, name="report-export"),
    path("policies/", views.policy_list, name="policy-list"),
    path("policies/<int:pk>/publish/", views.policy_publish, name="policy-publish"),
    path("policies/<int:pk>/what-if/", views.policy_whatif, name="policy-whatif"),
    path("customer/<int:pk>/", views.panel, name="customer-panel"),
    path("customer/<int:pk>/override/", views.propose_override, name="override-propose"),
]
