"""URLs of customer records; composed into the "customers" namespace by customers/urls.py."""

from django.urls import path

from crm.core.transfer_urls import staged_import_urls
from customers.records.feeds import views as feed_views
from customers.records.transfers import CUSTOMER_IMPORT
from customers.records.views import customers as views
from customers.records.views import timeline as timeline_views
from customers.records.views import transfers as transfer_views
from customers.records.views.transfers import customer_import, pii_export

urlpatterns = [
    path("", views.customer_list, name="customer-list"),
    path("new/", views.customer_create, name="customer-create"),
    path("count/", views.customer_count, name="customer-count"),
    path("export/", transfer_views.export_masked, name="customer-export"),
    path("export/request/", pii_export.request, name="pii-export-request"),
    path("exports/", pii_export.list, name="pii-export-list"),
    path("exports/<int:pk>/download/", pii_export.take, name="pii-export-download"),
    path("feeds/", feed_views.feedrun_list, name="feedrun-list"),
    path("feeds/<int:pk>/", feed_views.feedrun_detail, name="feedrun-detail"),
    path("feeds/<int:pk>/errors/", feed_views.feedrun_errors, name="feedrun-errors"),
    path(
        "feeds/<int:pk>/release/",
        feed_views.feedrun_decide,
        {"decision": "release"},
        name="feedrun-release",
    ),
    path(
        "feeds/<int:pk>/reject/",
        feed_views.feedrun_decide,
        {"decision": "reject"},
        name="feedrun-reject",
    ),
    path("feeds/<int:pk>/tier-run/", feed_views.feedrun_tier_run, name="feedrun-tier-run"),
    *staged_import_urls("import/", CUSTOMER_IMPORT, customer_import),
    path("<int:pk>/", views.customer_detail, name="customer-detail"),
    path("<int:pk>/edit/", views.customer_edit, name="customer-edit"),
    path("<int:pk>/chart/", views.chart_data, name="customer-chart"),
    path("<int:pk>/timeline/", timeline_views.customer_timeline, name="customer-timeline"),
    path("<int:pk>/reassign/", views.reassign, name="customer-reassign"),
    path("<int:pk>/assessment/", views.risk_assessment_new, name="assessment-create"),
    path("<int:pk>/reveal/<str:field>/", views.reveal, name="customer-reveal"),
    path("<int:pk>/inline/<str:field>/", views.inline_edit, name="customer-inline-edit"),
]
