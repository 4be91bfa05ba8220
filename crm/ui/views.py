from django.http import HttpResponse
from django.shortcuts import render


def home(request):
    """My day: panels that the domain apps register for the "home" slot."""
    return render(request, "ui/home.html")


def health(request):
    return HttpResponse("ok", content_type="text/plain")
