"""The watch list (名单制管理): changes are proposed by one person and applied when a second
approves (crm.core.approvals, kind WATCHLIST_KIND)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from crm.accounts.permissions import require
from crm.audit.services import record
from crm.core.approvals import approval_request
from crm.core.duplicates import refuse_duplicate
from customers.records.access import access_customer
from customers.records.models import Customer

from ..models import WatchAction, WatchListChange, WatchListEntry

WATCHLIST_KIND = "compliance.watchlist_change"


def watchlist_change_request(
    acting_user, customer: Customer, *, action: str, reason: str, review_on=None
) -> WatchListChange:
    """Propose adding, changing or removing (action "") a customer's watch-list entry; a second
    person applies it by approving."""
    require(acting_user, "compliance.request_watchlist_change")
    customer = access_customer(acting_user, customer.pk)
    if action and action not in WatchAction.values:
        raise ValidationError({"action": pgettext("watch list", "Unknown action.")})
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Please give a reason for this request.")})
    current = WatchListEntry.objects.filter(customer=customer).first()
    if action and (review_on is None or review_on <= timezone.localdate()):
        raise ValidationError({"review_on": _("The review date must lie in the future.")})
    if not action and current is None:
        raise ValidationError(_("The customer is not on the watch list."))
    if current and current.action == action and current.review_on == review_on:
        raise ValidationError(_("Nothing would change."))
    if WatchListChange.objects.filter(
        customer=customer, status=WatchListChange.Status.PENDING
    ).exists():
        raise ValidationError(_("A change for this customer is already waiting for approval."))
    before = current.action if current else ""
    with transaction.atomic():
        approval = approval_request(
            acting_user,
            WATCHLIST_KIND,
            summary=_("Watch list: %(customer)s %(before)s → %(after)s")
            % {
                "customer": customer.name,
                # The actions' labels, not their codes: the summary is what people read in the
                # approvals queue and the audit log.
                "before": WatchAction(before).label if before else "—",
                "after": WatchAction(action).label if action else _("remove"),
            },
            reason=reason,
            target=customer,
            payload={
                "customer": customer.pk,
                "before": before,
                "after": action,
                "review_on": review_on.isoformat() if review_on else None,
            },
        )
        # A second request at the same moment passes the check above; the constraint refuses it.
        with refuse_duplicate(_("A change for this customer is already waiting for approval.")):
            return WatchListChange.objects.create(
                customer=customer,
                action_before=before,
                action_after=action,
                reason=reason.strip(),
                review_on=review_on,
                approval=approval,
                requested_by=acting_user,
            )


def on_watchlist_approved(approval, acting_user) -> None:
    """Approval callback (inside the decision's transaction): apply the change, audited."""
    change = WatchListChange.objects.select_for_update().get(approval=approval)
    entry = WatchListEntry.objects.filter(customer_id=change.customer_id).first()
    before = (
        {"action": entry.action, "review_on": entry.review_on, "reason": entry.reason}
        if entry
        else None
    )
    if change.action_after:
        WatchListEntry.objects.update_or_create(
            customer_id=change.customer_id,
            defaults={
                "action": change.action_after,
                "reason": change.reason,
                "review_on": change.review_on,
            },
        )
        after = {"action": change.action_after, "review_on": change.review_on}
    else:
        WatchListEntry.objects.filter(customer_id=change.customer_id).delete()
        after = None
    change.status = WatchListChange.Status.APPLIED
    change.decided_by = acting_user
    change.decided_at = timezone.now()
    change.save(update_fields=["status", "decided_by", "decided_at"])
    record(
        acting_user,
        "watchlist.changed",
        change.customer,
        purpose=change.reason,
        before=before,
        after=after,
    )


def on_watchlist_rejected(approval, acting_user) -> None:
    WatchListChange.objects.filter(approval=approval).update(
        status=WatchListChange.Status.REJECTED, decided_by=acting_user, decided_at=timezone.now()
    )
