"""The customer 360 timeline (thin: parse the filter and cursor, ask crm.ui.timeline, render).
Loaded by htmx as a panel of the 360 page; without htmx it is a page of its own."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import render

from crm.accounts.permissions import requires
from crm.ui.timeline import parse_kinds, timeline_kinds, timeline_page
from customers.records.access import access_customer


@requires("customers.view_customer")
def customer_timeline(request, pk):
    # Outside the user's book (or no such customer): 404 before anything else is read.
    customer = access_customer(request.user, pk)
    chosen, invalid = parse_kinds(request.user, request.GET.getlist("kind"))
    after = request.GET.get("after")
    page = timeline_page(
        request.user,
        customer.pk,
        kinds=chosen,
        cursor=after,
        size=settings.FIDUCIA["TIMELINE_PAGE_SIZE"],
    )
    context = {
        "customer": customer,
        "page": page,
        "kinds": timeline_kinds(request.user),
        "chosen": chosen,
        "invalid_kind": invalid,
        "after": after,
        "more_query": urlencode([("kind", k) for k in chosen] + [("after", page.next_cursor)])
        if page.next_cursor
        else "",
    }
    if request.htmx:
        # "Load more" asks for the rows after the cursor; the panel and its filter for all of it.
        template = "customers/_timeline_rows.html" if after else "customers/_timeline.html"
        return render(request, template, context)
    return render(request, "customers/timeline.html", context)
