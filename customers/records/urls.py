"""URLs of customer records; composed into the "customers" namespace by customers/urls.py."""

from django.urls import path

from customers.records.views import customers as views
from customers.records.views import transfers as transfer_views

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("count/", views.customer_count, name="count"),
    path("filters/", views.saved_filter_list, name="filters"),
    path("filters/save/", views.saved_filter_create, name="filter_save"),
    path("filters/<int:pk>/delete/", views.saved_filter_delete, name="filter_delete"),
    path("reassign/", views.bulk_reassign, name="bulk_reassign"),
    path("export/", transfer_views.export_masked, name="export"),
    path("export/request/", transfer_views.export_request, name="export_request"),
    path("exports/", transfer_views.export_list, name="exports"),
    path("exports/<int:pk>/download/", transfer_views.export_download, name="export_download"),
    path("import/", transfer_views.import_upload, name="import"),
    path("import/<int:pk>/", transfer_views.import_preview, name="import_preview"),
    path("import/<int:pk>/errors/", transfer_views.import_errors, name="import_errors"),
    path("import/<int:pk>/confirm/", transfer_views.import_confirm, name="import_confirm"),
    path("import/<int:pk>/cancel/", transfer_views.import_cancel, name="import_cancel"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/chart/", views.chart_data, name="chart"),
    path("<int:pk>/reassign/", views.reassign, name="reassign"),
    path("<int:pk>/assessment/", views.risk_assessment_new, name="assessment_new"),
    path("<int:pk>/reveal/<str:field>/", views.reveal, name="reveal"),
    path("<int:pk>/inline/<str:field>/", views.inline_edit, name="inline_edit"),
]
