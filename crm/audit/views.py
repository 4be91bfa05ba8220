from django.conf import settings
from django.shortcuts import render

from crm.accounts.permissions import requires
from crm.ui.pagination import keyset_page, query_without_cursor

from .filters import AuditEntryFilter
from .selectors import audit_entries_for


@requires("audit.view_auditentry")
def audit_list(request):
    filterset = AuditEntryFilter(request.GET or None, queryset=audit_entries_for(request.user))
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    page = keyset_page(
        qs, ["-at", "-pk"], request.GET.get("after"), settings.FIDUCIA["LIST_PAGE_SIZE"]
    )
    return render(
        request,
        "audit/list.html",
        {"filter": filterset, "page": page, "query": query_without_cursor(request)},
    )
