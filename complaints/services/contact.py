"""The complainant's contact in clear, for the person calling the complainant back (audited)."""

from crm.core.reveal import REVEAL_PERMISSION, reveal

from ..access import access_complaint

__all__ = ["REVEAL_PERMISSION", "complaint_reveal_contact"]


def complaint_reveal_contact(acting_user, complaint_id, *, purpose: str) -> str:
    return reveal(
        acting_user,
        find=lambda: access_complaint(acting_user, complaint_id),
        read=lambda c: c.complainant_contact,
        action="complaint.contact_revealed",
        field="complainant_contact",
        purpose=purpose,
    )
