"""Keyboard shortcuts: one registry, rendered as the help dialog that `?` opens.

The dialog is the only copy the browser gets: static/js/fiducia.js reads each row's keys and
action from its data attributes, so a shortcut cannot work without being listed, nor be listed
without working. Apps register theirs from AppConfig.ready() with crm.ui.registry.register().
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Shortcut:
    """`keys`: one key or a sequence separated by spaces ("g c"). The action is one of:
    `url_name` (go to that page), `focus` (a CSS selector to focus) or `click` (a selector to
    click). Focus and click shortcuts are offered only on pages where their target exists."""

    keys: str
    description: str
    url_name: str = ""
    focus: str = ""
    click: str = ""
    order: int = 50
    permission: str | None = None

    def __post_init__(self):
        if sum(bool(a) for a in (self.url_name, self.focus, self.click)) > 1:
            raise ValueError(f"shortcut {self.keys!r} has more than one action")

    def visible_to(self, user) -> bool:
        return self.permission is None or user.has_perm(self.permission)


# The built-in ones: help, search, home and the bell. "?" is handled by the script itself.
HELP = Shortcut("?", _("Show the keyboard shortcuts"), order=0)

_shortcuts: dict[str, Shortcut] = {}


def register_shortcut(shortcut: Shortcut) -> None:
    if shortcut.keys in _shortcuts and _shortcuts[shortcut.keys] != shortcut:
        raise ValueError(f"keyboard shortcut {shortcut.keys!r} is registered twice")
    _shortcuts[shortcut.keys] = shortcut


def shortcuts() -> list[Shortcut]:
    return sorted(_shortcuts.values(), key=lambda s: (s.order, s.keys))


def shortcuts_for(user) -> list[dict]:
    """What the help dialog shows this user: keys split for <kbd>, the action resolved."""
    rows = []
    for s in shortcuts():
        if not s.visible_to(user):
            continue
        href = ""
        if s.url_name:
            try:
                href = reverse(s.url_name)
            except NoReverseMatch:
                continue
        rows.append(
            {
                "keys": s.keys,
                "key_list": s.keys.split(),
                "description": s.description,
                "href": href,
                "focus": s.focus,
                "click": s.click,
            }
        )
    return rows
