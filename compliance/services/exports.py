"""Approved audit-log exports (crm.core.downloads): request, open the window on approval,
take the one download."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from crm.accounts.access import is_read_only
from crm.accounts.permissions import DENIED
from crm.core import downloads

from ..models import AuditExport

AUDIT_EXPORT_KIND = "compliance.audit_export"
AUDIT_EXPORT_WINDOW = datetime.timedelta(hours=24)
AUDIT_EXPORT_MAX_ROWS = 100_000


def may_request_export(user) -> bool:
    # Reviewing the log is a reading permission auditors hold; asking for an export is not a
    # read, and there is no changing permission for it yet: read-only users are refused here.
    return user.has_perm("compliance.review_audit") and not is_read_only(user)


def request_audit_export(acting_user, filters: dict, *, reason: str) -> AuditExport:
    if not may_request_export(acting_user):
        raise PermissionDenied(DENIED)
    return downloads.request_download(
        AuditExport,
        acting_user,
        AUDIT_EXPORT_KIND,
        summary=_("Audit-log export requested by %(user)s") % {"user": acting_user},
        reason=reason,
        filters=filters,
    )


def on_audit_export_approved(approval, acting_user) -> None:
    downloads.open_window(AuditExport, approval, AUDIT_EXPORT_WINDOW)


def take_audit_export(acting_user, export_id: int) -> AuditExport:
    """Claim the one download of an approved audit export. Audited; a second call fails."""
    return downloads.take_download(AuditExport, acting_user, export_id, action="audit.exported")
