"""Labels of the audit actions sales and service management write (crm.audit.labels)."""

from django.utils.translation import gettext_lazy as _


def actions() -> dict:
    from .workflows import HANDOVER_FLOW, LIFECYCLE_FLOW, PROSPECT_FLOW, STATEMENT_FLOW

    return {
        **PROSPECT_FLOW.action_labels(_("Prospect")),
        **LIFECYCLE_FLOW.action_labels(_("Customer lifecycle")),
        **STATEMENT_FLOW.action_labels(_("Statement")),
        **HANDOVER_FLOW.action_labels(_("Handover")),
        "prospect.created": _("Prospect created"),
        "prospect.assigned": _("Prospect assigned"),
        "prospect.contact_revealed": _("Prospect's contact details revealed"),
        "channel.evaluated": _("Marketing channel evaluated"),
        "activity.created": _("Activity created"),
        "activity.invited": _("Customers invited to an activity"),
        "activity.attendance": _("Activity attendance recorded"),
        "activity.held": _("Activity held"),
        "survey.recorded": _("Satisfaction survey recorded"),
        "statement.generated": _("Statements generated"),
        "statement.downloaded": _("Statement downloaded"),
        "handover.started": _("Handover started"),
        "customer.dormancy_detected": _("Customer found dormant"),
    }
