"""Schema and docs of the integration API; the apps' endpoints are assembled in crm/urls.py."""

from django.urls import path

from .views import DocsView, SchemaView

app_name = "api"

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
]
