"""Human labels for audit actions and target types, in the reader's language.

Audit rows store stable codes (`customer.exported`, `customers.customer`); the pages show what
they mean. Each app registers labels for the actions it writes from `AppConfig.ready()`
(`register_actions({...})`, workflows through `Workflow.action_labels`), so the audit app never
imports the apps above it. Target types are models: their label is the model's verbose_name.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.apps import apps
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

_actions: dict[str, object] = {}

# Verbs that shared mechanisms write for any entity (admin saves, staged imports, approved
# downloads): labelled with the target's model name when the action itself is not registered.
_GENERIC_VERBS = {
    "admin_added": _("added in admin"),
    "admin_changed": _("changed in admin"),
}


def register_actions(labels: Mapping[str, object]) -> None:
    """Register {action code: lazy label}; a later registration of a code replaces it."""
    _actions.update(labels)


def registered_actions() -> dict[str, object]:
    return dict(_actions)


def action_label(action: str, target_type: str = "") -> str:
    """The label of `action` in the active language; the code itself when nobody registered it
    (a row written by older code stays readable rather than blank)."""
    label = _actions.get(action)
    if label is not None:
        return str(label)
    _entity, _dot, verb = action.partition(".")
    if verb in _GENERIC_VERBS and target_type:
        model_label = target_type_label(target_type)
        if model_label != target_type:
            return str(
                format_lazy(_("{entity}: {event}"), entity=model_label, event=_GENERIC_VERBS[verb])
            )
    return action


def target_type_label(target_type: str) -> str:
    """`customers.customer` → the model's verbose_name ("客户"); unknown types stay as stored."""
    if not target_type:
        return ""
    try:
        model = apps.get_model(target_type)
    except (LookupError, ValueError):
        return target_type
    return str(model._meta.verbose_name)
