"""The htmx exchange of an audited reveal (templates/ui/_reveal.html): GET asks for a purpose,
POST shows the clear value in this response only, never cached."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from crm.core.reveal import REVEAL_PERMISSION

from .forms import RevealPurposeForm, refusal_on_form


def reveal_response(request, *, target: str, url: str, reveal: Callable[[str], str]):
    """Call after the object's scope check (404 outside it comes before 403 here)."""
    if not request.user.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied
    form = RevealPurposeForm(request.POST or None)
    context = {"form": form, "target": target, "reveal_url": url}
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form):
            context["value"] = reveal(form.cleaned_data["purpose"])
    response = render(request, "ui/_reveal.html", context)
    response["Cache-Control"] = "no-store"
    return response
