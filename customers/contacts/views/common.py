"""Helpers shared by the contacts views: safe "next" links and htmx fragments."""

from __future__ import annotations

from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme

from customers.contacts import services as services


def safe_next(request, default: str) -> str:
    """The `next` the request names when it is a path on this site, else `default`. Only a
    path ("/…") is taken: redirect() would treat any other string as a view name to reverse."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and "\x00" not in target
        and url_has_allowed_host_and_scheme(target, {request.get_host()})
    ):
        return target
    return default


def fragment(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    """An htmx fragment rendered without the context processors (the navigation would cost a
    permission query per fragment); it gets what fragments use: request, user, CSRF token."""
    ctx = {"request": request, "user": request.user, "csrf_token": get_token(request), **context}
    return HttpResponse(render_to_string(template, ctx), status=status)
