"""One rule for showing a protected value in clear (customer PII, a complainant's or a prospect's
contact): the reveal permission, a stated purpose, the scope checked again inside the transaction
and an audit row in that same transaction — if the row cannot be written, nothing is shown."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record

REVEAL_PERMISSION = "customers.reveal_pii"


def reveal(
    acting_user,
    *,
    find: Callable[[], object],
    read: Callable[[object], str],
    action: str,
    field: str,
    purpose: str,
) -> str:
    """The clear value `read` takes from the object `find` returns (raising NotFound outside the
    user's scope), for this response only; audited as `action` with the purpose."""
    require(acting_user, REVEAL_PERMISSION, message=_("You may not reveal personal information."))
    purpose = (purpose or "").strip()
    if len(purpose) < 2:
        raise ValidationError({"purpose": _("Please state why you need to see this value.")})
    with transaction.atomic():
        target = find()
        value = read(target)
        record(acting_user, action, target, purpose=purpose, after={"field": field})
    return value
