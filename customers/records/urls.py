"""URLs of customer records; composed into the "customers" namespace by customers/urls.py."""

from django.urls import path

from customers.records.views import customers as views
from customers.records.views import transfers as transfer_views
from customers.records.views.transfers import customer_import, pii_export

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("count/", views.customer_count, name="count"),
    path("filters/", views.saved_filter_list, name="filters"),
    path("filters/save/", views.saved_filter_create, name="filter_save"),
    path("filters/<int:pk>/delete/", views.saved_filter_delete, name="filter_delete"),
    path("reassign/", views.bulk_reassign, name="bulk_reassign"),
    path("export/", transfer_views.export_masked, name="export"),
    path("export/request/", pii_export.request, name="export_request"),
    path("exports/", pii_export.list, name="exports"),
    path("exports/<int:pk>/download/", pii_export.take, name="export_download"),
    path("import/", customer_import.upload, name="import"),
    path("import/<int:pk>/", customer_import.preview, name="import_preview"),
    path("import/<int:pk>/errors/", customer_import.errors, name="import_errors"),
    path("import/<int:pk>/confirm/", customer_import.confirm, name="import_confirm"),
    path("import/<int:pk>/cancel/", customer_import.cancel, name="import_cancel"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/chart/", views.chart_data, name="chart"),
    path("<int:pk>/reassign/", views.reassign, name="reassign"),
    path("<int:pk>/assessment/", views.risk_assessment_new, name="assessment_new"),
    path("<int:pk>/reveal/<str:field>/", views.reveal, name="reveal"),
    path("<int:pk>/inline/<str:field>/", views.inline_edit, name="inline_edit"),
]
