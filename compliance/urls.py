from django.urls import path

from crm.core.views.transfers import download_views, import_views

from . import views
from .transfers import AUDIT_EXPORT, SIGNAL_IMPORT

# The core's staged-import and approved-download pages, bound to compliance's adapters.
signal_import = import_views(SIGNAL_IMPORT)
audit_export = download_views(AUDIT_EXPORT)

app_name = "compliance"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("signals/", views.signal_list, name="signals"),
    path("signals/new/", views.signal_create, name="signal_create"),
    path("signals/import/", signal_import.upload, name="import"),
    path("signals/import/<int:pk>/", signal_import.preview, name="import_preview"),
    path("signals/import/<int:pk>/errors/", signal_import.errors, name="import_errors"),
    path("signals/import/<int:pk>/confirm/", signal_import.confirm, name="import_confirm"),
    path("signals/import/<int:pk>/cancel/", signal_import.cancel, name="import_cancel"),
    path("warnings/", views.warning_list, name="warnings"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning"),
    path("warnings/<int:pk>/steps/", views.step_add, name="step_add"),
    path("steps/<int:pk>/done/", views.step_done, name="step_done"),
    path("watchlist/", views.watchlist, name="watchlist"),
    path("suitability/", views.suitability_check, name="suitability"),
    path("suitability/mismatches/", views.mismatches, name="mismatches"),
    path("audit/", views.audit_review, name="audit"),
    path("audit/export/", audit_export.request, name="audit_export_request"),
    path("audit/exports/", audit_export.list, name="audit_exports"),
    path("audit/exports/<int:pk>/download/", audit_export.take, name="audit_export_download"),
    path("panel/customer/<int:pk>/", views.panel_customer, name="panel_customer"),
    path("panel/home/", views.panel_home, name="panel_home"),
]
