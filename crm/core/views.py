from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import approvals, notifications
from .models import ApprovalRequest


def approval_queue(request):
    pending = list(approvals.pending_for(request.user)[:200])
    mine = list(approvals.mine(request.user)[:50])
    kinds = approvals.kinds()
    for req in pending + mine:
        req.kind_label = kinds[req.kind].label if req.kind in kinds else req.kind
    return render(request, "core/approvals.html", {"pending": pending, "mine": mine})


@require_POST
def approval_decide(request, pk):
    # 404 unless the request is one this user may decide (ids cannot be probed).
    req = get_object_or_404(approvals.pending_for(request.user), pk=pk)
    if not approvals.can_decide(request.user, req):
        raise PermissionDenied
    approve = request.POST.get("decision") == "approve"
    try:
        approvals.decide(request.user, req.pk, approve=approve, note=request.POST.get("note", ""))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Approved.") if approve else _("Rejected."))
    return redirect("core:approvals")


@require_POST
def approval_withdraw(request, pk):
    req = get_object_or_404(ApprovalRequest, pk=pk, requested_by=request.user)
    try:
        approvals.withdraw(request.user, req.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("core:approvals")


def notification_bell(request):
    return render(request, "core/_bell.html", {"unread": notifications.unread_count(request.user)})


def notification_list(request):
    items = list(notifications.notifications_for(request.user)[:100])
    return render(request, "core/notifications.html", {"items": items})


@require_POST
def notification_read(request, pk=None):
    notifications.mark_read(request.user, pk)
    if request.htmx:
        return notification_bell(request)
    return redirect("core:notifications")
