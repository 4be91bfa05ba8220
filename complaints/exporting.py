"""XLSX export of complaint statistics in a regulatory-report layout.

Sheets: 汇总 (summary: period, totals, on-time rate, satisfaction), one sheet per dimension
(business category, cause, channel, branch, product, month) with the same columns, and the
detail register (complainant masked).
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl.styles import Alignment, Font

from crm.core.spreadsheets import append_row, new_workbook, workbook_bytes
from crm.ui.formatting import mask_name

MAX_DETAIL_ROWS = 200_000


def _pct(value):
    return round(value, 1) if value is not None else ""


def _group_header():
    return [
        _("Code"),
        _("Item"),
        _("Received"),
        _("Closed"),
        _("Decided"),
        _("Average handling time (days)"),
        _("Breaches"),
        _("Breach rate %"),
        _("Average satisfaction"),
        _("Satisfied %"),
    ]


def _group_row(r):
    return [
        r["code"],
        str(r["label"]),
        r["n"],
        r["closed"],
        r["decided"],
        r["avg_days"] if r["avg_days"] is not None else "",
        r["breaches"],
        _pct(r["breach_rate"]),
        r["avg_sat"] if r["avg_sat"] is not None else "",
        _pct(r["satisfied_rate"]),
    ]


SHEETS = (
    ("business_category", "按业务类别 By business category"),
    ("cause", "按投诉原因 By cause"),
    ("channel", "按投诉渠道 By channel"),
    ("branch", "按机构 By branch"),
    ("product", "按产品 By product"),
    ("month", "按月 By month"),
)


def workbook(data: dict, detail_rows) -> bytes:
    book = new_workbook()
    bold = Font(bold=True)
    summary = book.active
    summary.title = "汇总 Summary"
    s = data["summary"]
    append_row(summary, [_("Consumer complaint statistics")])
    summary["A1"].font = Font(bold=True, size=14)
    append_row(
        summary, [_("Reporting period"), f"{data['start']:%Y-%m-%d} – {data['end']:%Y-%m-%d}"]
    )
    append_row(summary, [_("Generated at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    append_row(summary, [])
    rows = [
        (_("Complaints received"), s["n"]),
        (_("Closed or withdrawn"), s["closed"]),
        (_("Decisions issued"), s["decided"]),
        (_("Average handling time (days)"), s["avg_days"] if s["avg_days"] is not None else ""),
        (_("Breaches"), s["breaches"]),
        (_("Breach rate %"), _pct(s["breach_rate"])),
        (_("On-time rate %"), _pct(100 - s["breach_rate"]) if s["n"] else ""),
        (_("Average satisfaction"), s["avg_sat"] if s["avg_sat"] is not None else ""),
        (_("Satisfied %"), _pct(s["satisfied_rate"])),
    ]
    append_row(summary, [_("Indicator"), pgettext("statistic", "Value")])
    for cell in summary[summary.max_row]:
        cell.font = bold
    for row in rows:
        append_row(summary, list(row))
    summary.column_dimensions["A"].width = 34
    summary.column_dimensions["B"].width = 28

    for key, title in SHEETS:
        sheet = book.create_sheet(title[:31])
        append_row(sheet, _group_header())
        for cell in sheet[1]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True)
        for r in data["groups"][key]:
            append_row(sheet, _group_row(r))
        append_row(
            sheet,
            [
                "",
                _("Total"),
                s["n"],
                s["closed"],
                s["decided"],
                s["avg_days"] or "",
                s["breaches"],
                _pct(s["breach_rate"]),
                s["avg_sat"] or "",
                _pct(s["satisfied_rate"]),
            ],
        )
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        sheet.column_dimensions["B"].width = 24

    detail = book.create_sheet("明细 Register")
    append_row(
        detail,
        [
            pgettext("complaint", "Reference"),
            _("Received at"),
            _("Complainant"),
            _("Customer number"),
            pgettext("complaint", "Channel"),
            _("Business category"),
            _("Cause"),
            _("Product"),
            _("Branch"),
            _("Regulator-forwarded"),
            _("Status"),
            _("Decision due"),
            _("Decided at"),
            _("Handling time (days)"),
            _("Breached"),
            _("Satisfaction"),
        ],
    )
    for cell in detail[1]:
        cell.font = bold
    for i, c in enumerate(detail_rows):
        if i >= MAX_DETAIL_ROWS:
            break
        append_row(
            detail,
            [
                c.reference,
                timezone.localtime(c.received_at).strftime("%Y-%m-%d %H:%M"),
                _("Anonymous") if c.is_anonymous else mask_name(c.complainant_name),
                c.customer.number if c.customer_id else "",
                c.channel.code,
                c.business_category.code,
                c.cause.code,
                c.product.name if c.product_id else "",
                c.branch.name if c.branch_id else "",
                _("Yes") if c.regulator_forwarded else _("No"),
                str(c.get_state_display()),
                c.decision_due.strftime("%Y-%m-%d"),
                timezone.localtime(c.decided_at).strftime("%Y-%m-%d") if c.decided_at else "",
                c.handling_days if c.handling_days is not None else "",
                _("Yes") if c.breached else _("No"),
                c.satisfaction if c.satisfaction is not None else "",
            ],
        )
    return workbook_bytes(book)
