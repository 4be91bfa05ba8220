"""The approvals queue and the notifications of the signed-in user."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.permissions import signed_in
from crm.ui.forms import SERVICE_REFUSALS, refusal_in_messages

from .. import approvals, notifications


# Any signed-in user: the queue lists only what they may decide and their own requests.
@signed_in
def approval_queue(request):
    pending = list(approvals.approvals_pending_for(request.user)[:200])
    mine = list(approvals.approvals_requested_by(request.user)[:50])
    kinds = approvals.kinds()
    for req in pending + mine:
        req.kind_label = kinds[req.kind].label if req.kind in kinds else req.kind
    return render(request, "core/approvals.html", {"pending": pending, "mine": mine})


# Any signed-in user: only a request in their queue (one they may decide) is found, others
# are 404.
@signed_in
@require_POST
def approval_decide(request, pk):
    req = approvals.access_pending_approval(request.user, pk)
    approve = request.POST.get("decision") == "approve"
    with refusal_in_messages(request, SERVICE_REFUSALS):
        approvals.approval_decide(
            request.user, req.pk, approve=approve, note=request.POST.get("note", "")
        )
        messages.success(request, _("Approved.") if approve else _("Rejected."))
    return redirect("core:approval-list")


# Any signed-in user: only their own requests are found.
@signed_in
@require_POST
def approval_withdraw(request, pk):
    req = approvals.access_own_approval(request.user, pk)
    with refusal_in_messages(request):
        approvals.approval_withdraw(request.user, req.pk)
    return redirect("core:approval-list")


# Any signed-in user: their own notifications.
@signed_in
def notification_bell(request):
    return render(request, "core/_bell.html", {"unread": notifications.unread_count(request.user)})


# Any signed-in user: their own notifications.
@signed_in
def notification_list(request):
    items = list(notifications.notifications_for(request.user)[:100])
    return render(request, "core/notifications.html", {"items": items})


# Any signed-in user: marks only their own notifications.
@signed_in
@require_POST
def notification_read(request, pk=None):
    notifications.notifications_mark_read(request.user, pk)
    if request.htmx:
        return notification_bell(request)
    return redirect("core:notification-list")
