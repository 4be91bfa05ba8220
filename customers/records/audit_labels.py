"""Labels of the audit actions customer records write (crm.audit.labels)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "customer.created": _("Customer created"),
    "customer.changed": _("Customer changed"),
    "customer.reassigned": _("Customer reassigned"),
    "customer.pii_revealed": _("Personal information revealed"),
    "customer.exported": _("Customer list exported"),
    "customer.risk_assessed": _("Risk tolerance assessed"),
    "customer_import.staged": _("Customer import uploaded"),
    "customer_import.confirmed": _("Customer import confirmed"),
    "customer_import.cancelled": _("Customer import cancelled"),
    "pii_export.downloaded": _("Unmasked customer export downloaded"),
}
