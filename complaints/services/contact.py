"""The complainant's contact in clear, for the person calling the complainant back (audited)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record

from ..access import access_complaint

REVEAL_PERMISSION = "customers.reveal_pii"


def complaint_reveal_contact(acting_user, complaint_id, *, purpose: str) -> str:
    """The clear contact, for this response only; the audit row (with the stated purpose) is
    written in the same transaction: if it cannot be written, nothing is shown."""
    require(acting_user, REVEAL_PERMISSION, message=_("You may not reveal personal information."))
    purpose = (purpose or "").strip()
    if len(purpose) < 2:
        raise ValidationError({"purpose": _("Please state why you need to see this value.")})
    with transaction.atomic():
        c = access_complaint(acting_user, complaint_id)  # scope: NotFound outside it
        value = c.complainant_contact
        record(
            acting_user,
            "complaint.contact_revealed",
            c,
            purpose=purpose,
            after={"field": "complainant_contact"},
        )
    return value
