"""Labels of the audit actions complaints write (crm.audit.labels)."""

from django.utils.translation import gettext_lazy as _


def actions() -> dict:
    from .services.workflow import WORKFLOW

    return {
        **WORKFLOW.action_labels(_("Complaint")),
        "complaint.logged": _("Complaint logged"),
        "complaint.attached": _("Complaint attachment added"),
        "complaint.contact_revealed": _("Complainant's contact revealed"),
        "complaint.assigned": _("Complaint assigned"),
        "complaint.handed_over": _("Complaint handed over"),
        "complaint.extended": _("Complaint deadline extended"),
        "complaint.clock_paused": _("Complaint clock paused"),
        "complaint.clock_resumed": _("Complaint clock resumed"),
        "complaint.new_facts_recorded": _("New facts recorded on a complaint"),
        "complaint.named_staff": _("Staff named in a complaint"),
        "complaint.profile_changed": _("Complaint rule profile changed"),
        "complaint.statistics_exported": _("Complaint statistics exported"),
    }
