"""Django looks for an app's models here. Each sub-domain keeps its own (records, contacts,
sales); code imports them from there, never from this module, so the layer contract between
the sub-domains and the apps above holds."""

from customers.contacts import models as contacts_models  # noqa: F401
from customers.records import models as records_models  # noqa: F401
from customers.records.feeds import models as feeds_models  # noqa: F401
from customers.sales import models as sales_models  # noqa: F401
