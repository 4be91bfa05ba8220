"""The content of a statement (holdings, maturities, contacts of the period) and its PDF."""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.core.config import fiducia
from customers.records.models import (
    Contract,
    Customer,
    FollowUpTask,
    Holding,
    MonthlyAggregate,
)

FONT = "STSong-Light"

# ---- content --------------------------------------------------------------------------------


def _money(value) -> str:
    return f"{Decimal(value or 0):.2f}"


def build_contents(customers: list[Customer], start, end) -> dict[int, dict]:
    """The statement content of many customers in 4 queries (holdings, contracts, aggregates,
    contacts), as JSON-ready dicts."""
    ids = [c.pk for c in customers]
    holdings = defaultdict(list)
    for h in (
        Holding.objects.filter(customer_id__in=ids)
        .select_related("product")
        .order_by("-market_value")
    ):
        holdings[h.customer_id].append(
            {
                "product": h.product.name,
                "risk": h.product.risk_level,
                "value": _money(h.market_value),
                "as_of": h.as_of.isoformat(),
            }
        )
    horizon = end + datetime.timedelta(days=fiducia("STATEMENTS", "MATURITY_HORIZON_DAYS"))
    contracts = defaultdict(list)
    for c in Contract.objects.filter(customer_id__in=ids, status=Contract.Status.ACTIVE).order_by(
        "matures_on", "pk"
    ):
        contracts[c.customer_id].append(
            {
                "number": c.number,
                "title": c.title,
                "amount": _money(c.amount),
                "matures_on": c.matures_on.isoformat() if c.matures_on else "",
                "maturing": bool(c.matures_on and c.matures_on <= horizon),
            }
        )
    totals = {
        row["customer_id"]: row
        for row in MonthlyAggregate.objects.filter(
            customer_id__in=ids, month__gte=start, month__lte=end
        )
        .values("customer_id")
        .annotate(
            months=Count("pk"),
            balance=Sum("average_balance"),
            trades=Sum("trade_count"),
            volume=Sum("trade_volume"),
            commission=Sum("commission"),
            fees=Sum("fee_income"),
        )
    }
    contacts = defaultdict(list)
    for t in FollowUpTask.objects.filter(
        customer_id__in=ids,
        status=FollowUpTask.Status.DONE,
        completed_at__date__gte=start,
        completed_at__date__lte=end,
    ).order_by("completed_at"):
        contacts[t.customer_id].append(
            {"date": timezone.localtime(t.completed_at).date().isoformat(), "title": t.title_text}
        )
    out = {}
    for c in customers:
        agg = totals.get(c.pk)
        months = agg["months"] if agg else 0
        out[c.pk] = {
            "customer": {
                "number": c.number,
                "name": c.name,
                "kind": c.kind,
                "vip_level": c.get_vip_level_display(),
                "rm": str(c.owner),
            },
            "period": {"start": start.isoformat(), "end": end.isoformat()},
            "holdings": holdings[c.pk],
            "holdings_total": _money(sum(Decimal(h["value"]) for h in holdings[c.pk])),
            "contracts": contracts[c.pk],
            "transactions": {
                "months": months,
                "average_balance": _money(agg["balance"] / months) if months else _money(0),
                "trade_count": agg["trades"] if agg else 0,
                "trade_volume": _money(agg["volume"] if agg else 0),
                "commission": _money(agg["commission"] if agg else 0),
                "fee_income": _money(agg["fees"] if agg else 0),
            },
            "contacts": contacts[c.pk],
        }
    return out


# ---- PDF ------------------------------------------------------------------------------------

_font_ready = False


def _font() -> str:
    global _font_ready
    if not _font_ready:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _font_ready = True
    return FONT


def render_pdf(
    content: dict,
    market_note: str,
    *,
    title: str | None = None,
    compress: bool = True,
    language: str | None = None,
) -> bytes:
    """A statement as PDF bytes, in the institution's language (Simplified Chinese by default);
    Chinese text uses the CID font STSong-Light."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return _render_pdf(content, market_note, title=title, compress=compress)


def _render_pdf(content: dict, market_note: str, *, title, compress) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14)
    head = ParagraphStyle("head", fontName=font, fontSize=16, leading=22, spaceAfter=4)
    sub = ParagraphStyle(
        "sub", fontName=font, fontSize=11.5, leading=16, spaceBefore=8, spaceAfter=4
    )
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title or "Statement",
        pageCompression=1 if compress else 0,
    )
    c = content["customer"]
    p = content["period"]
    style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), 8.5),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5b1")),
            ("ALIGN", (-1, 1), (-1, -1), "RIGHT"),
        ]
    )

    def table(header, rows, widths):
        if not rows:
            return Paragraph(_("Nothing recorded in this period."), body)
        t = Table([header, *rows], colWidths=[w * mm for w in widths], repeatRows=1)
        t.setStyle(style)
        return t

    tx = content["transactions"]
    header = _("Customer: %(name)s (%(number)s) · RM: %(rm)s · Period: %(start)s to %(end)s") % {
        "name": c["name"],
        "number": c["number"],
        "rm": c["rm"],
        "start": p["start"],
        "end": p["end"],
    }
    maturing = _(" (maturing soon)")
    story = [
        Paragraph(_("Customer statement and service report"), head),
        Paragraph(_escape(header), body),
        Paragraph(_("1. Holdings"), sub),
        table(
            [_("Product"), _("Risk level"), _("Valued on"), _("Market value (CNY)")],
            [[h["product"], h["risk"], h["as_of"], h["value"]] for h in content["holdings"]],
            [80, 25, 30, 43],
        ),
        Paragraph(_("Total holdings: %(total)s CNY") % {"total": content["holdings_total"]}, body),
        Paragraph(_("2. Contracts and maturities"), sub),
        table(
            [_("Contract number"), _("Title"), _("Matures on"), _("Amount (CNY)")],
            [
                [
                    k["number"],
                    k["title"],
                    (k["matures_on"] or "—") + (maturing if k["maturing"] else ""),
                    k["amount"],
                ]
                for k in content["contracts"]
            ],
            [35, 75, 35, 33],
        ),
        Paragraph(_("3. Transactions"), sub),
        table(
            [
                _("Months"),
                _("Average balance (CNY)"),
                _("Trades"),
                _("Volume (CNY)"),
                _("Commission and fees (CNY)"),
            ],
            [
                [
                    str(tx["months"]),
                    tx["average_balance"],
                    str(tx["trade_count"]),
                    tx["trade_volume"],
                    _money(Decimal(tx["commission"]) + Decimal(tx["fee_income"])),
                ]
            ],
            [18, 42, 25, 48, 45],
        ),
        Paragraph(_("4. Service contacts"), sub),
        table(
            [_("Date"), _("Service")],
            [[x["date"], x["title"]] for x in content["contacts"]],
            [30, 148],
        ),
        Paragraph(_("5. Market view"), sub),
        Paragraph(_escape(market_note or ""), body),
        Spacer(1, 8 * mm),
        Paragraph(
            _(
                "This report was produced by Fiducia CRM for the customer only; please contact "
                "your relationship manager with any questions."
            ),
            body,
        ),
    ]
    doc.build(story)
    return buf.getvalue()


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")
    )


def file_name(customer_number: str, kind: str, start: datetime.date) -> str:
    return f"{customer_number}-{kind}-{start:%Y%m}.pdf"
