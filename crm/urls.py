from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = settings.FIDUCIA_TITLE
admin.site.site_title = settings.FIDUCIA_TITLE

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("crm.accounts.urls")),
    path("audit/", include("crm.audit.urls")),
    path("platform/", include("crm.core.urls")),
    path("performance/", include("crm.performance.urls")),
    path("customers/", include("customers.urls")),
    path("tiering/", include("tiering.urls")),
    path("complaints/", include("complaints.urls")),
    path("compliance/", include("compliance.urls")),
    # The integration API: shared pieces in crm.api, each app's endpoints in its api module.
    path(
        "api/v1/",
        include(
            [
                path("", include("crm.api.urls")),
                path("", include("customers.records.api")),
                path("", include("customers.records.feeds.api")),
                path("", include("customers.contacts.api")),
                path("", include("tiering.api")),
                path("", include("complaints.api")),
                path("", include("compliance.api")),
            ]
        ),
    ),
    path("", include("crm.ui.urls")),
]

handler400 = "crm.ui.errors.bad_request"
handler403 = "crm.ui.errors.permission_denied"
handler404 = "crm.ui.errors.page_not_found"
handler500 = "crm.ui.errors.server_error"
