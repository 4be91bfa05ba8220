"""The customers app's URLs: records and contacts share the "customers" namespace, sales has its
own ("sales") under sales/."""

from django.urls import include, path

from customers.contacts.urls import urlpatterns as contacts_urls
from customers.records.urls import urlpatterns as records_urls

app_name = "customers"

urlpatterns = [
    path("sales/", include("customers.sales.urls")),
    *records_urls,
    *contacts_urls,
]
