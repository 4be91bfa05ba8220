"""Follow-up titles the sales jobs write (crm.core.texts)."""

from django.utils.translation import gettext_lazy as _

from crm.core.texts import Text

REACTIVATION = "followup.reactivation"
ACTIVITY_FOLLOW_UP = "followup.activity"

TEXTS = (
    Text(REACTIVATION, _("Reactivation call: dormant customer")),
    Text(ACTIVITY_FOLLOW_UP, _("Follow-up after activity: %(title)s")),
)
