"""Texts the system writes for people to read later (follow-up task titles, notifications,
cadence rule names): stored as a code and parameters, rendered in the reader's language.

A row keeps its text in the default language as well (the `title` column): admin lists,
searches and rows written before codes existed read that. Apps declare their texts with
`register_texts(Text(...), ...)` from AppConfig.ready(); the core never imports them.

Parameters are plain JSON values. A parameter named in `choices` is a code shown through its
label (a grade, a VIP level); a parameter `x` stored beside `x_code` (and optional
`x_params`) is itself a stored text, rendered the same way (a reminder names its task).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation


@dataclass(frozen=True)
class Text:
    code: str
    text: str  # a lazy translation with %(name)s placeholders
    body: str | None = None  # a second line (notification bodies), same parameters
    choices: Mapping[str, Mapping] = field(default_factory=dict)


_texts: dict[str, Text] = {}


def register_texts(*texts: Text) -> None:
    for text in texts:
        _texts[text.code] = text


def registered(code: str) -> Text | None:
    return _texts.get(code)


def _params(params) -> dict:
    if isinstance(params, str):  # a nested text's parameters, stored as JSON text by SQL
        try:
            params = json.loads(params)
        except ValueError:
            return {}
    return params if isinstance(params, dict) else {}


def _values(text: Text, params: dict) -> dict:
    values = {}
    for name, value in params.items():
        base = name.rsplit("_", 1)[0]
        if name.endswith(("_code", "_params")) and base in params:
            continue  # part of the nested text `base`
        if f"{name}_code" in params:
            value = render(params[f"{name}_code"], params.get(f"{name}_params"), value or "")
        elif name in text.choices:
            value = text.choices[name].get(value, value)
        values[name] = "" if value is None else str(value)
    return values


def _render(code: str, params, fallback: str, part: str) -> str:
    text = _texts.get(code or "")
    message = getattr(text, part, None) if text else None
    if message is None:
        return fallback
    try:
        return str(message) % _values(text, _params(params))
    except (KeyError, TypeError, ValueError):
        # Parameters that no longer fit the message (an old row): the stored text.
        return fallback


def render(code: str, params=None, fallback: str = "") -> str:
    """The text of `code` with `params`, in the active language; `fallback` (the stored text)
    for an unknown code or parameters that do not fit."""
    return _render(code, params, fallback, "text")


def render_body(code: str, params=None, fallback: str = "") -> str:
    return _render(code, params, fallback, "body")


def stored(code: str, params=None, *, body: bool = False) -> str:
    """The text in the default language, for the row's own text column."""
    with translation.override(settings.LANGUAGE_CODE):
        return (render_body if body else render)(code, params, "")
