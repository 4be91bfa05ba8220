from crm.accounts.permissions import require

from .models import AuditEntry


def audit_entries_for(user):
    """The audit log, for those who may review it (compliance, auditors, administrators)."""
    require(user, "audit.view_auditentry")
    return AuditEntry.objects.select_related("actor")
