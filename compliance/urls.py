from django.urls import path

from crm.core.transfer_urls import staged_import_urls
from crm.core.views.transfers import download_views

from . import chain_views, views
from .transfers import AUDIT_EXPORT, SIGNAL_IMPORT

# The core's staged-import and approved-download pages, bound to compliance's adapters.
audit_export = download_views(AUDIT_EXPORT)

app_name = "compliance"

urlpatterns = [
    path("", views.dashboard, name="risk-dashboard"),
    path("signals/", views.signal_list, name="signal-list"),
    path("signals/new/", views.signal_create, name="signal-create"),
    *staged_import_urls("signals/import/", SIGNAL_IMPORT),
    path("warnings/", views.warning_list, name="warning-list"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning-detail"),
    path("warnings/<int:pk>/steps/", views.step_add, name="step-create"),
    path("steps/<int:pk>/done/", views.step_done, name="step-done"),
    path("watchlist/", views.watchlist, name="watch-list"),
    path("suitability/", views.suitability_check, name="suitability-check"),
    path("suitability/mismatches/", views.mismatches, name="mismatch-list"),
    path("audit/", views.audit_review, name="audit-review"),
    path("audit/chain/", chain_views.audit_chain, name="audit-chain"),
    path("audit/export/", audit_export.request, name="audit-export-request"),
    path("audit/exports/", audit_export.list, name="audit-export-list"),
    path("audit/exports/<int:pk>/download/", audit_export.take, name="audit-export-download"),
    path("panel/customer/<int:pk>/", views.panel_customer, name="customer-panel"),
    path("panel/home/", views.panel_home, name="home-panel"),
]
