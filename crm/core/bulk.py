"""The all-or-nothing rule of bulk actions, shared by every app's bulk services.

A bulk service (`tasks_reschedule`, `warnings_assign`, …) is one function, `@transaction.atomic`,
taking the selected ids and the acting user. It calls `lock_selection()` with the same scoped
queryset the list shows (the rows come back locked in primary-key order, so two batches never
deadlock), then `refuse_unless_all()` with the per-object rule, and only then writes, with an
audit row per object. Anything outside the scope, or one object that cannot take the action,
refuses the whole batch with one message and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.audit.services import record_many
from crm.core.access import NotFound, parse_id

# One request acts on one page of a list at most; a crafted longer selection is refused.
MAX_SELECTION = 500
# How many refused objects a message names before it says "and N more".
NAMED = 5


def selected_ids(values: Iterable) -> tuple[list[int], int]:
    """The distinct ids among the posted `values` and how many values cannot be an id."""
    ids, bad = set(), 0
    for value in values:
        try:
            ids.add(parse_id(value))
        except NotFound:
            bad += 1
    return sorted(ids), bad


def lock_selection(queryset: QuerySet, values: Iterable) -> list:
    """The selected rows of `queryset` (already scoped to the acting user), locked FOR UPDATE
    in primary-key order. Refuses the batch when nothing is selected, when it is too long, or
    when any id is missing or outside the scope (counted, never named: ids are not probed)."""
    ids, bad = selected_ids(values)
    if not ids and not bad:
        raise ValidationError(_("Please select at least one row."))
    if len(ids) + bad > MAX_SELECTION:
        raise ValidationError(_("Please select at most %(n)d rows at once.") % {"n": MAX_SELECTION})
    rows = list(queryset.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk"))
    unavailable = len(ids) - len(rows) + bad
    if unavailable:
        raise ValidationError(
            ngettext(
                "%(n)d of the selected rows is not available to you (it does not exist or is "
                "outside your scope). Nothing was changed.",
                "%(n)d of the selected rows are not available to you (they do not exist or are "
                "outside your scope). Nothing was changed.",
                unavailable,
            )
            % {"n": unavailable}
        )
    return rows


def refuse_unless_all(
    rows: list, reason_of: Callable[[object], str | None], label_of: Callable = str
) -> None:
    """Raise one ValidationError naming the rows that cannot take the action (reason_of gives
    why, or None when a row can), so the service writes nothing unless every row can."""
    refused = [(row, reason) for row in rows if (reason := reason_of(row))]
    if not refused:
        return
    named = "; ".join(f"{label_of(row)}: {reason}" for row, reason in refused[:NAMED])
    if len(refused) > NAMED:
        named += " " + _("(and %(n)d more)") % {"n": len(refused) - NAMED}
    raise ValidationError(
        ngettext(
            "%(n)d of the %(total)d selected rows cannot take this action, so nothing was "
            "changed: %(rows)s",
            "%(n)d of the %(total)d selected rows cannot take this action, so nothing was "
            "changed: %(rows)s",
            len(refused),
        )
        % {"n": len(refused), "total": len(rows), "rows": named}
    )


def owners_move(
    acting_user, rows: list, owner, *, action: str, reason: str = "", after=None, **also
) -> int:
    """Give the locked `rows` (one model) to `owner` with one UPDATE and an audit row per row
    whose owner changes (`also`: more columns that follow the owner, e.g. branch and team).
    Rows already with `owner` are left alone. Returns how many moved."""
    moved = [row for row in rows if row.owner_id != owner.pk]
    if not moved:
        return 0
    before = {row.pk: row.owner_id for row in moved}
    type(moved[0]).objects.filter(pk__in=list(before)).update(owner=owner, **also)
    record_many(
        acting_user,
        action,
        moved,
        purpose=(reason or "").strip(),
        before_of=lambda row: {"owner": before[row.pk]},
        after_of=lambda row: {"owner": owner.pk, **(after or {})},
    )
    return len(moved)
