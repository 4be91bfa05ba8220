"""Django finds the app's admin here; each sub-domain registers its own classes."""

from customers.contacts import admin as contacts_admin  # noqa: F401
from customers.records import admin as records_admin  # noqa: F401
from customers.records.feeds import admin as feeds_admin  # noqa: F401
from customers.sales import admin as sales_admin  # noqa: F401
