"""The views every main list shares: the saved-view bar (with the column chooser) and the bulk
action endpoint. Thin: parse input, call crm.ui.saved or the action's service, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.permissions import require, signed_in
from crm.core.access import NotFound
from crm.ui.bulk import bulk_action
from crm.ui.forms import SERVICE_REFUSALS, refusal_in_messages
from crm.ui.lists import list_spec, parse_columns
from crm.ui.redirects import safe_next
from crm.ui.saved import (
    access_saved_view,
    saved_view_delete,
    saved_view_save,
    saved_views_for,
)


def _spec(request, source):
    """The list named by `source["list"]`, if the user may open it (else 404 like a list
    that does not exist)."""
    spec = list_spec(source.get("list", ""))
    if spec is None or not spec.visible_to(request.user):
        raise NotFound
    return spec


def _list_url(spec, query: str, columns) -> str:
    params = QueryDict(query, mutable=True)
    if spec.columns and columns and tuple(columns) != spec.defaults():
        params["cols"] = ",".join(columns)
    encoded = params.urlencode()
    return reverse(spec.key) + (f"?{encoded}" if encoded else "")


# Any signed-in user: it shows only the user's own views and those shared with their team
# (saved_views_for), for a list they opened (each list checks its own permission).
@signed_in
def saved_view_bar(request):
    """htmx fragment: saved views of one list, the save form and the column chooser (kept
    out of the list's own query budget)."""
    spec = _spec(request, request.GET)
    current = QueryDict(request.GET.get("query", ""))
    chosen = parse_columns(spec, ",".join(current.getlist("cols")))
    views = [
        {
            "view": v,
            "url": _list_url(spec, v.query, v.columns),
            "mine": v.owner_id == request.user.pk,
        }
        for v in saved_views_for(request.user, spec.key)
    ]
    context = {
        "spec": spec,
        "views": views,
        "query": current.urlencode(),
        "filters": [
            (k, v) for k, values in current.lists() if k not in ("cols", "after") for v in values
        ],
        "columns": [(key, label, key in chosen) for key, label in spec.columns.items()],
        "can_share": request.user.team_id is not None,
        "next": _list_url(spec, current.urlencode(), ()),
    }
    return render(request, "ui/_saved_views.html", context)


@signed_in  # the service requires core.add_savedview (read-only users lack it)
@require_POST
def saved_view_create(request):
    spec = _spec(request, request.POST)
    back = safe_next(request, reverse(spec.key))
    with refusal_in_messages(request, SERVICE_REFUSALS):
        view = saved_view_save(
            request.user,
            list_key=spec.key,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
            columns=request.POST.getlist("cols"),
            shared=request.POST.get("shared") == "on",
        )
        messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
        return redirect(_list_url(spec, view.query, view.columns))
    return redirect(back)


@signed_in  # only the owner's own views are reachable for a delete (access_saved_view)
@require_POST
def saved_view_delete_view(request, pk):
    require(request.user, "core.delete_savedview")
    view = access_saved_view(request.user, pk, for_write=True)
    spec = list_spec(view.list_key)
    saved_view_delete(request.user, view)
    messages.success(request, _("View deleted."))
    return redirect(safe_next(request, reverse(spec.key) if spec else reverse("ui:home")))


# Any signed-in user: the chosen action's permission is checked here and again by its service.
@signed_in
@require_POST
def bulk_run(request):
    """Run one registered bulk action on the selected rows (`ids`), all or nothing."""
    spec = _spec(request, request.POST)
    action = bulk_action(spec.key, request.POST.get("action", ""))
    if action is None:
        raise NotFound
    require(request.user, action.permission)
    back = safe_next(request, reverse(spec.key))
    form = action.form(request.POST, prefix=action.name, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    with refusal_in_messages(request, SERVICE_REFUSALS):
        n = action.run(request.user, request.POST.getlist("ids"), **form.cleaned_data)
        done = str(action.done) if action.done else _("%(n)d rows changed.")
        messages.success(request, done % {"n": n})
    return redirect(back)
