"""The main lists, as the shared saved-view bar and column chooser see them.

Each app declares its lists beside their views (a `ListSpec`: URL name, optional columns, how a
query may be kept) and registers them from `AppConfig.ready()`. The core never imports the apps:
it reads this registry. A list's key is its URL name ("customers:customer-list").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _

from crm import identifiers

# Never part of a kept query: the form's token, the page cursor, the columns (kept apart).
NOT_KEPT = frozenset({"csrfmiddlewaretoken", "after", "cols"})


def plain_query(params) -> dict:
    """The default cleaner: the list's filters and sort as they may be kept, refusing a clear
    identifier (ID number, mobile, credit code, account) anywhere in them."""
    items = params.dict() if hasattr(params, "dict") else dict(params)
    out = {k: v for k, v in items.items() if k not in NOT_KEPT and v not in ("", None)}
    if any(identifiers.find_identifier(str(v)) for v in out.values()):
        raise ValidationError(
            _(
                "A saved view cannot keep an ID number, phone, credit code or account number. "
                "Remove it from the filters first."
            )
        )
    return out


@dataclass(frozen=True)
class ListSpec:
    key: str  # the list's URL name
    title: str
    # Optional columns a user may hide or show: key -> label, in display order.
    columns: dict[str, str] = field(default_factory=dict)
    default_columns: tuple[str, ...] | None = None  # None: all of `columns`
    # Turns the list's GET parameters into the dict a saved view keeps (or refuses them).
    clean: Callable[[QueryDict | dict], dict] = plain_query
    permission: str | None = None  # the list view's own; its saved views need it too

    def visible_to(self, user) -> bool:
        return self.permission is None or user.has_perm(self.permission)

    def defaults(self) -> tuple[str, ...]:
        return tuple(self.columns) if self.default_columns is None else self.default_columns


_LISTS: dict[str, ListSpec] = {}


def register_list(*specs: ListSpec) -> None:
    for spec in specs:
        _LISTS[spec.key] = spec


def list_spec(key: str) -> ListSpec | None:
    return _LISTS.get(key)


def registered_lists() -> list[ListSpec]:
    return list(_LISTS.values())


def parse_columns(spec: ListSpec, raw: str | list | None) -> tuple[str, ...]:
    """The known column keys among `raw` ("a,b" or a list), in the list's order; the defaults
    when none is known (a crafted or stale value never hides every column)."""
    wanted = raw.split(",") if isinstance(raw, str) else list(raw or [])
    chosen = tuple(key for key in spec.columns if key in wanted)
    return chosen or spec.defaults()


def chosen_columns(request, key: str) -> frozenset[str]:
    """The optional columns the list shows for this request (`?cols=a,b`, or one `cols` per
    ticked box of the column chooser)."""
    spec = _LISTS[key]
    return frozenset(parse_columns(spec, ",".join(request.GET.getlist("cols"))))
