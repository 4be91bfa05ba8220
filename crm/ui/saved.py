"""Saved views of the main lists: the access contract, the reads and the two writes.

A view is its owner's; a shared one is seen by the members of the team it was shared with
(the owner's team at the time) and by nobody else. Only the owner changes or deletes it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record
from crm.core.access import access_in
from crm.core.models import SavedView
from crm.ui.lists import list_spec, parse_columns

MAX_PER_LIST = 50


def _visible(user) -> Q:
    visible = Q(owner_id=user.pk)
    if user.team_id is not None:
        visible |= Q(visibility=SavedView.Visibility.TEAM, team_id=user.team_id)
    return visible


def saved_views_for(user, list_key: str) -> QuerySet[SavedView]:
    """The user's own views of this list and those shared with their team."""
    return SavedView.objects.filter(_visible(user), list_key=list_key).select_related("owner")


def access_saved_view(user, pk, *, for_write: bool = False) -> SavedView:
    """A view the user sees; for a write, only their own (someone else's is "missing")."""
    qs = SavedView.objects.filter(Q(owner_id=user.pk) if for_write else _visible(user))
    return access_in(qs, pk, lock=for_write)


def saved_view_save(
    acting_user, *, list_key: str, name: str, query: str, columns=(), shared: bool = False
) -> SavedView:
    """Keep the list's current query (filters and sort) and columns under a name; the same
    name again replaces the user's earlier view. Refuses a clear identifier in the query."""
    require(acting_user, "core.add_savedview")
    spec = list_spec(list_key)
    if spec is None or not spec.visible_to(acting_user):
        raise ValidationError(_("This list cannot keep views."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Please name the view.")})
    if len(name) > 60:
        raise ValidationError({"name": _("Please use a name of at most 60 characters.")})
    kept = urlencode(spec.clean(QueryDict(query or "")))
    if len(kept) > 500:
        raise ValidationError(_("These filters are too long to keep; please narrow them."))
    if shared and acting_user.team_id is None:
        raise ValidationError(_("You are not in a team, so the view cannot be shared."))
    visibility = SavedView.Visibility.TEAM if shared else SavedView.Visibility.PERSONAL
    fields = {
        "query": kept,
        "columns": list(parse_columns(spec, list(columns))) if spec.columns else [],
        "visibility": visibility,
        "team_id": acting_user.team_id if shared else None,
    }
    mine = SavedView.objects.filter(owner=acting_user, list_key=list_key)
    try:
        with transaction.atomic():
            saved = mine.select_for_update().filter(name=name).first()
            if saved is None:
                if mine.count() >= MAX_PER_LIST:
                    raise ValidationError(
                        _("You keep %(n)d views of this list already; delete one first.")
                        % {"n": MAX_PER_LIST}
                    )
                saved = SavedView.objects.create(
                    owner=acting_user, list_key=list_key, name=name, **fields
                )
            else:
                for attr, value in fields.items():
                    setattr(saved, attr, value)
                saved.save(update_fields=list(fields))
            if shared:
                # Sharing shows a query to colleagues: who shared what stays on record.
                record(acting_user, "saved_view.shared", saved, after={"list": list_key})
    except IntegrityError as exc:
        # Two tabs saving the same name at once: the second is told, not shown a 500.
        raise ValidationError(
            {"name": _("A view with this name was just saved; please try again.")}
        ) from exc
    return saved


def saved_view_delete(acting_user, view: SavedView) -> None:
    """Delete one of the user's own views (obtained through access_saved_view for_write)."""
    require(acting_user, "core.delete_savedview")
    SavedView.objects.filter(owner=acting_user, pk=view.pk).delete()
