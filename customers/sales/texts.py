"""Follow-up titles the sales jobs write (crm.core.texts)."""

from django.utils.translation import gettext_lazy as _

from crm.core.texts import Text

REACTIVATION = "followup.reactivation"

TEXTS = (Text(REACTIVATION, _("Reactivation call: dormant customer")),)
