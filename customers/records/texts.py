"""Follow-up task titles the records layer writes for the apps above it (crm.core.texts)."""

from django.utils.translation import gettext_lazy as _

from crm.core.texts import Text

SATISFACTION_CALL = "followup.satisfaction_call"
WARNING_VISIT = "followup.warning_visit"

TEXTS = (
    Text(SATISFACTION_CALL, _("Satisfaction call: %(reference)s")),
    Text(WARNING_VISIT, _("Risk warning visit: %(reference)s")),
)
