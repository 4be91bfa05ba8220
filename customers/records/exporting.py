"""Customer list exports to XLSX: masked by default, clear values only for an approved export."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from crm.core.spreadsheets import append_row, new_workbook, workbook_bytes

MAX_EXPORT_ROWS = 50_000


def _columns(unmasked: bool):
    # Clear values are decrypted only for an approved (unmasked) export.
    mobile = (lambda c: c.mobile) if unmasked else (lambda c: c.mobile_masked)
    email = (lambda c: c.email) if unmasked else (lambda c: c.email_masked)
    id_number = (lambda c: c.decrypted_id_number()) if unmasked else (lambda c: c.id_number_masked)
    return [
        (_("Customer number"), lambda c: c.number),
        (_("Name"), lambda c: c.name),
        (_("Kind"), lambda c: c.get_kind_display()),
        (_("Value class"), lambda c: c.tier),
        (_("VIP level"), lambda c: c.get_vip_level_display()),
        (_("Risk class"), lambda c: c.risk_class),
        (_("Mobile"), mobile),
        (pgettext("address", "E-mail"), email),
        (_("ID number"), id_number),
        (_("Unified social credit code"), lambda c: c.uscc or ""),
        (_("AUM"), lambda c: float(c.aum)),
        (_("Relationship manager"), lambda c: str(c.owner)),
        (_("Branch"), lambda c: c.branch.name),
    ]


def customers_xlsx(qs, *, unmasked: bool = False) -> tuple[bytes, int]:
    """The workbook bytes and the number of rows written (streamed in chunks, capped)."""
    columns = _columns(unmasked)
    book = new_workbook(write_only=True)
    sheet = book.create_sheet(_("Customers"))
    append_row(sheet, [title for title, _get in columns])
    rows = 0
    qs = qs.select_related("owner", "branch").order_by("number", "pk")[:MAX_EXPORT_ROWS]
    for customer in qs.iterator(chunk_size=2000):
        append_row(sheet, [get(customer) for _title, get in columns])
        rows += 1
    return workbook_bytes(book), rows
