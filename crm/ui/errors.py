from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


class RefuseNulMiddleware:
    """Refuses (400) a request whose query or form values contain a NUL byte. No field takes
    one (Django's form fields refuse it), but views that read a raw parameter would hand it to
    PostgreSQL, which refuses NUL in text and JSON with an error (a 500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        params = [request.GET]
        if request.method == "POST":
            params.append(request.POST)
        for query in params:
            for key, values in query.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    return bad_request(request)
        return self.get_response(request)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # No context processors: the failure may be in one of them.
    return HttpResponseServerError(loader.get_template("500.html").render())
