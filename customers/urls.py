"""The customers app's URLs: records, contacts and sales share the "customers" namespace
(names are `customers:<entity>-<action>`); sales pages live under sales/."""

from django.urls import include, path

from customers.contacts.urls import urlpatterns as contacts_urls
from customers.records.urls import urlpatterns as records_urls
from customers.sales.urls import urlpatterns as sales_urls

app_name = "customers"

urlpatterns = [
    path("sales/", include(sales_urls)),
    *records_urls,
    *contacts_urls,
]
