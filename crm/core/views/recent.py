"""The signed-in user's recently viewed pages: the user menu's list (htmx, loaded when the
menu opens) and the same list as a page."""

from django.shortcuts import render
from django.views.decorators.vary import vary_on_headers

from crm.accounts.permissions import signed_in

from .. import recent


# Any signed-in user: their own views, resolved through their current scope.
@signed_in
@vary_on_headers("HX-Request")
def recent_list(request):
    items = recent.recent_for(request.user)
    template = "core/_recent_menu.html" if request.htmx else "core/recent.html"
    return render(request, template, {"items": items})
