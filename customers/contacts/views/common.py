"""Helpers shared by the contacts views: safe "next" links and htmx fragments."""

from __future__ import annotations

from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string

from crm.ui.redirects import safe_next  # noqa: F401  (the contacts views import it from here)
from customers.contacts import services as services


def fragment(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    """An htmx fragment rendered without the context processors (the navigation would cost a
    permission query per fragment); it gets what fragments use: request, user, CSRF token."""
    ctx = {"request": request, "user": request.user, "csrf_token": get_token(request), **context}
    return HttpResponse(render_to_string(template, ctx), status=status)
