"""Labels of the audit actions contacts and follow-ups write (crm.audit.labels)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "interaction.logged": _("Contact logged"),
    "interaction.changed": _("Contact changed"),
    "followup.created": _("Follow-up created"),
    "followup.completed": _("Follow-up completed"),
    "followup.skipped": _("Follow-up skipped"),
    "followup.moved": _("Follow-up rescheduled"),
    "followup.reassigned": _("Follow-up reassigned"),
    "followup.rescheduled": _("Follow-up due date changed"),
    "followup.superseded": _("Follow-up superseded"),
    "calendar_feed.issued": _("Calendar feed issued"),
    "calendar_feed.revoked": _("Calendar feed revoked"),
    "reminder.resent": _("Reminder sent again"),
}
