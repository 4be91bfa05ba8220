from django.http import HttpResponse
from django.shortcuts import render

from crm.accounts.permissions import public, signed_in


# Any signed-in user: each panel on My day checks its own permission and scope.
@signed_in
def home(request):
    """My day: panels that the domain apps register for the "home" slot."""
    return render(request, "ui/home.html")


@public  # load balancers and monitors probe it without a session
def health(request):
    return HttpResponse("ok", content_type="text/plain")
