from django.urls import path

from . import views

app_name = "compliance"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("signals/", views.signal_list, name="signals"),
    path("signals/new/", views.signal_create, name="signal_create"),
    path("signals/import/", views.import_upload, name="import"),
    path("signals/import/<int:pk>/", views.import_preview, name="import_preview"),
    path("signals/import/<int:pk>/errors/", views.import_errors, name="import_errors"),
    path("signals/import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("signals/import/<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("warnings/", views.warning_list, name="warnings"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning"),
    path("warnings/<int:pk>/steps/", views.step_add, name="step_add"),
    path("steps/<int:pk>/done/", views.step_done, name="step_done"),
    path("watchlist/", views.watchlist, name="watchlist"),
    path("suitability/", views.suitability_check, name="suitability"),
    path("suitability/mismatches/", views.mismatches, name="mismatches"),
    path("audit/", views.audit_review, name="audit"),
    path("audit/export/", views.audit_export_request, name="audit_export_request"),
    path("audit/exports/", views.audit_exports, name="audit_exports"),
    path(
        "audit/exports/<int:pk>/download/",
        views.audit_export_download,
        name="audit_export_download",
    ),
    path("panel/customer/<int:pk>/", views.panel_customer, name="panel_customer"),
    path("panel/home/", views.panel_home, name="panel_home"),
]
