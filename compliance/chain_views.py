"""The audit chain verification page (crm/audit/chain.py), beside the audit review."""

from django.shortcuts import render

from crm.accounts.permissions import requires
from crm.audit import chain


@requires("compliance.review_audit")
def audit_chain(request):
    # A read (it changes nothing), so a GET that auditors may run; it streams the whole log in
    # chunks, and only when asked, so opening the page costs nothing.
    result = chain.verify() if request.GET.get("run") else None
    return render(request, "compliance/audit_chain.html", {"result": result})
