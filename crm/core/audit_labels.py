"""Labels of the audit actions the shared core writes (crm.audit.labels)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "approval.requested": _("Approval requested"),
    "approval.approved": _("Approval granted"),
    "approval.rejected": _("Approval rejected"),
    "approval.withdrawn": _("Approval request withdrawn"),
    "outbox.republished": _("Outbox message published again"),
    "user.permissions_changed": _("User permissions changed"),
    "role.changed": _("Role permissions changed"),
    "saved_view.shared": _("List view shared with the team"),
}
