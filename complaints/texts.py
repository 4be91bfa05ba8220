"""Notifications the deadline sweep writes (crm.core.texts)."""

from django.utils.translation import gettext_lazy as _

from crm.core.texts import Text

BREACH = "complaint.breach"
DUE_SOON = "complaint.due_soon"

TEXTS = (
    Text(BREACH, _("Complaint %(ref)s is past its deadline (%(due)s)")),
    Text(DUE_SOON, _("Complaint %(ref)s is due on %(due)s")),
)
