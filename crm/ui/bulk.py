"""Bulk actions on the main lists: a registry the apps fill, one action bar, one view.

An app declares each action beside its list (`BulkAction`: the list's key, a name, a label,
the form of the action's own fields, the permission, and the one service call that does it)
and registers it from `AppConfig.ready()`. The list page renders `ui/_bulk_bar.html` with
`bulk_context()`, a checkbox per row (`name="ids" form="bulk-form"`), and the bar posts to
`ui:bulk-run`, which validates the chosen action's fields, calls its service and goes back to
the list with a message. A new list (inquiries, issue #18) plugs in the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms


class BulkForm(forms.Form):
    """The fields of one action; built with the acting user (for choices in their scope)."""

    # Several actions share one bar: a field another action requires must not stop this one
    # in the browser (the server validates the chosen action's fields only).
    use_required_attribute = False

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", f"{css} {css}-sm")
            # Inputs of the bar join the bar's form wherever the template puts them.
            field.widget.attrs.setdefault("form", "bulk-form")


@dataclass(frozen=True)
class BulkAction:
    list_key: str  # the list's URL name, as in crm.ui.lists
    name: str  # unique within the list; also the prefix of its form's fields
    label: str
    permission: str
    # run(acting_user, ids, **form.cleaned_data) -> how many rows changed; one service call
    run: Callable[..., int]
    form: type[BulkForm] = BulkForm
    done: str = ""  # "%(n)d tasks rescheduled."; the generic message when empty
    icon: str = "check2-square"
    order: int = 50

    def visible_to(self, user) -> bool:
        return user.has_perm(self.permission)


_ACTIONS: dict[str, dict[str, BulkAction]] = {}


def register_bulk(*actions: BulkAction) -> None:
    for action in actions:
        _ACTIONS.setdefault(action.list_key, {})[action.name] = action


def bulk_action(list_key: str, name: str) -> BulkAction | None:
    return _ACTIONS.get(list_key, {}).get(name)


def bulk_actions_for(list_key: str, user) -> list[BulkAction]:
    actions = _ACTIONS.get(list_key, {}).values()
    return sorted((a for a in actions if a.visible_to(user)), key=lambda a: (a.order, a.name))


def bulk_context(request, list_key: str) -> dict | None:
    """What `ui/_bulk_bar.html` needs, or None when the user may take no action on this list
    (then the list shows no checkboxes). Choice fields cost one query each, whatever the page."""
    actions = bulk_actions_for(list_key, request.user)
    if not actions:
        return None
    return {
        "list_key": list_key,
        "next": request.get_full_path(),
        "actions": [
            {"action": a, "form": a.form(prefix=a.name, user=request.user)} for a in actions
        ],
    }
