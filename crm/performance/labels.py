"""Labels of metrics registered by the customers app (customers/metrics.py).

The customers app keeps no message catalogue of its own, so its metric labels are extracted and
translated with this app's messages (gettext_noop marks them for makemessages; nothing imports
the customers app). Django merges every app's catalogue, so `_("New customers")` there finds them.
"""

from django.utils.translation import gettext_noop

CUSTOMERS_METRIC_LABELS = (
    gettext_noop("New customers"),
    gettext_noop("AUM growth"),
    gettext_noop("CNY"),
)
