"""Labels of the audit actions compliance writes (crm.audit.labels)."""

from django.utils.translation import gettext_lazy as _


def actions() -> dict:
    from .workflow import WARNING_FLOW

    return {
        **WARNING_FLOW.action_labels(_("Risk warning")),
        "warning.raised": _("Risk warning raised"),
        "warning.upgraded": _("Risk warning upgraded"),
        "warning.reassigned": _("Risk warning reassigned"),
        "warning.assigned": _("Risk warning assigned"),
        "step.planned": _("Disposal step planned"),
        "step.completed": _("Disposal step completed"),
        "signal.recorded": _("Risk signal recorded"),
        "signal.ingested": _("Risk signals received from a feed"),
        "signal_import.staged": _("Risk signal import uploaded"),
        "signal_import.confirmed": _("Risk signal import confirmed"),
        "signal_import.cancelled": _("Risk signal import cancelled"),
        "audit_export.downloaded": _("Audit log export downloaded"),
        "watchlist.changed": _("Watch list changed"),
        "suitability.checked": _("Suitability checked"),
    }
