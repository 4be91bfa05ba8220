"""The regulator's statistics export: the workbook and its audit row."""

from __future__ import annotations

from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record

from .. import exporting, selectors


def complaints_statistics_export(acting_user, *, start, end) -> bytes:
    """The statistics and the register of complaints received in [start, end] as XLSX, in the
    user's scope; the export is audited."""
    require(acting_user, "complaints.view_statistics")
    data = selectors.statistics(acting_user, start, end)
    content = exporting.workbook(data, selectors.export_rows(acting_user, start, end))
    record(
        acting_user,
        "complaint.statistics_exported",
        None,
        purpose=_("Regulatory complaint statistics"),
        after={"start": start.isoformat(), "end": end.isoformat(), "total": data["summary"]["n"]},
    )
    return content
