from django.core.exceptions import PermissionDenied

from .models import AuditEntry


def audit_entries_for(user):
    """The audit log, for those who may review it (compliance, auditors, administrators)."""
    if not user.has_perm("audit.view_auditentry"):
        raise PermissionDenied
    return AuditEntry.objects.select_related("actor")
