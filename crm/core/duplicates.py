"""Double submits and races on a unique constraint answer with a message, not a 500 (issue 15
item 11).

A service checks "is there one already?" before it creates a row, but two requests (a double
click, two tabs, two workers) can both pass the check before either commits; the database's
unique constraint then refuses the second INSERT with an IntegrityError. `refuse_duplicate`
turns that refusal into the service's own ValidationError, which the views already show
(crm.ui.forms: refusal_on_form / refusal_in_messages), and rolls back only its block, so the
caller's transaction ends cleanly and nothing is written twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

# SQLSTATE of a unique violation on PostgreSQL; SQLite says it in its message.
_UNIQUE_VIOLATION = "23505"


def is_unique_violation(exc: IntegrityError) -> bool:
    """Whether `exc` is a unique-constraint violation (not a foreign key, check or NOT NULL)."""
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) == _UNIQUE_VIOLATION:
        return True
    return str(exc).startswith("UNIQUE constraint failed")


@contextmanager
def refuse_duplicate(message) -> Iterator[None]:
    """Run the block in a savepoint; if a unique constraint refuses a row it writes, undo the
    block and raise ValidationError(message). Other integrity errors pass through unchanged
    (they are bugs, not races)."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        raise ValidationError(message, code="duplicate") from exc
