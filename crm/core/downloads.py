"""Approved downloads: an export someone asks for, a second person approves, and the requester
downloads once within a window (DESIGN §5.1 PII export, §5.5 audit-log export).

The app owns the model (approval one-to-one, `requested_by`, `filters`, `available_until`,
`downloaded_at`), the approval kind and the audit action; this module owns the flow, so both
exports refuse the same things with the same messages.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit.services import record

from .approvals import request_approval


def request_download(
    model: type[models.Model], acting_user, kind: str, *, summary: str, reason: str, filters: dict
):
    """The approval request and the pending export, in one transaction."""
    with transaction.atomic():
        approval = request_approval(
            acting_user, kind, summary=summary, reason=reason, payload={"filters": filters}
        )
        return model.objects.create(approval=approval, requested_by=acting_user, filters=filters)


def open_window(model: type[models.Model], approval, window: datetime.timedelta) -> None:
    """Approval callback (inside the decision's transaction): the download may start now."""
    model.objects.filter(approval=approval).update(available_until=timezone.now() + window)


def take_download(model: type[models.Model], acting_user, export_id: int, *, action: str):
    """Claim the one download of an approved export of `acting_user`'s and audit it in the same
    transaction; a second claim, an unapproved or an expired one is refused. Someone else's
    export raises `model.DoesNotExist` (the view answers 404)."""
    with transaction.atomic():
        export = (
            model.objects.select_for_update(of=("self",))
            .select_related("approval")
            .filter(pk=export_id, requested_by=acting_user)
            .first()
        )
        if export is None:
            raise model.DoesNotExist
        if export.available_until is None:
            raise ValidationError(_("This export has not been approved."))
        if export.downloaded_at is not None:
            raise ValidationError(_("This export has already been downloaded."))
        if export.available_until <= timezone.now():
            raise ValidationError(_("The download window for this export has closed."))
        export.downloaded_at = timezone.now()
        export.save(update_fields=["downloaded_at"])
        record(
            acting_user,
            action,
            export,
            purpose=export.approval.reason,
            after={"filters": export.filters, "approval": export.approval_id},
        )
    return export
