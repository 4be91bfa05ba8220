"""Periodic statements for institutional and VIP customers (issue 9 §6).

Monthly statements for institutions, quarterly ones for VIP individuals (platinum and above by
default): holdings, contracts and maturities, a transactions summary from the monthly aggregates,
service contacts and a market note the RM can edit. Rendered as PDF with reportlab's built-in CID
font STSong-Light (no font file to ship). Generation is a chunked, set-based background job with
progress (StatementRun); it is idempotent per customer and period (unique constraint). The RM
reviews (and may edit the note), then marks it sent by e-mail or download; every step is audited.
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.accounts.access import is_read_only
from crm.audit.services import record
from crm.core.config import fiducia
from customers.records.models import (
    Contract,
    Customer,
    CustomerKind,
    FollowUpTask,
    Holding,
    InstitutionContact,
    MonthlyAggregate,
)
from customers.records.selectors import book_q
from customers.sales.models import PeriodKind, Statement, StatementRun

CHUNK = 200
FONT = "STSong-Light"
DEFAULT_MARKET_NOTE = (
    "本期市场回顾：货币政策保持稳健，市场流动性合理充裕；权益市场震荡，债券收益率低位运行。"
    "建议保持资产配置均衡，关注到期资金的再投资安排。以上内容仅供参考，不构成投资建议。"
)


# ---- periods and eligibility ----------------------------------------------------------------


def period_bounds(kind: str, start: datetime.date) -> tuple[datetime.date, datetime.date]:
    if kind == PeriodKind.MONTHLY:
        if start.day != 1:
            raise ValidationError(_("A monthly period starts on the first of the month."))
        months = 1
    elif kind == PeriodKind.QUARTERLY:
        if start.day != 1 or start.month not in (1, 4, 7, 10):
            raise ValidationError(_("A quarterly period starts on the first day of a quarter."))
        months = 3
    else:
        raise ValidationError(_("Unknown period."))
    month = start.month - 1 + months
    end = datetime.date(start.year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)
    return start, end


def due_periods(today: datetime.date) -> list[tuple[str, datetime.date]]:
    """The periods that have just closed: last month, and last quarter when a quarter closed."""
    last_end = today.replace(day=1) - datetime.timedelta(days=1)
    due = [(PeriodKind.MONTHLY, last_end.replace(day=1))]
    if last_end.month in (3, 6, 9, 12):
        due.append((PeriodKind.QUARTERLY, datetime.date(last_end.year, last_end.month - 2, 1)))
    return due


def eligible(kind: str):
    """Institutions get monthly statements; VIP individuals quarterly ones."""
    qs = Customer.objects.filter(is_active=True)
    if kind == PeriodKind.MONTHLY:
        return qs.filter(kind=CustomerKind.INSTITUTION)
    return qs.filter(
        kind=CustomerKind.INDIVIDUAL, vip_level__in=fiducia("STATEMENTS", "VIP_LEVELS")
    )


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
            {"date": timezone.localtime(t.completed_at).date().isoformat(), "title": t.title}
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


def _file_name(customer_number: str, kind: str, start: datetime.date) -> str:
    return f"{customer_number}-{kind}-{start:%Y%m}.pdf"


# ---- generation -----------------------------------------------------------------------------


def generate(
    kind: str,
    period_start: datetime.date,
    *,
    market_note: str | None = None,
    customer_ids=None,
    chunk: int = CHUNK,
    stdout=None,
) -> StatementRun:
    """Create the missing statements of a period. Idempotent: customers who already have one are
    skipped (and the unique constraint guards against a parallel run)."""
    start, end = period_bounds(kind, period_start)
    note = DEFAULT_MARKET_NOTE if market_note is None else market_note
    base = eligible(kind)
    if customer_ids is not None:
        base = base.filter(pk__in=list(customer_ids))
    existing = Statement.objects.filter(
        customer=OuterRef("pk"), period_kind=kind, period_start=start
    )
    run = StatementRun.objects.create(period_kind=kind, period_start=start, period_end=end)
    todo = list(base.exclude(Exists(existing)).order_by("pk").values_list("pk", flat=True))
    run.total = base.count()
    run.skipped = run.total - len(todo)
    run.save(update_fields=["total", "skipped"])
    try:
        for i in range(0, len(todo), chunk):
            ids = todo[i : i + chunk]
            customers = list(
                Customer.objects.filter(pk__in=ids).select_related("owner").order_by("pk")
            )
            contents = build_contents(customers, start, end)
            rows = []
            for customer in customers:
                content = contents[customer.pk]
                pdf = render_pdf(content, note, title=f"{customer.name} {start:%Y-%m}")
                statement = Statement(
                    customer=customer,
                    period_kind=kind,
                    period_start=start,
                    period_end=end,
                    owner_id=customer.owner_id,
                    content=content,
                    market_note=note,
                    run=run,
                )
                statement.pdf = ContentFile(pdf, name=_file_name(customer.number, kind, start))
                rows.append(statement)
            with transaction.atomic():
                Statement.objects.bulk_create(rows, ignore_conflicts=True)
                run.done += len(rows)
                run.save(update_fields=["done"])
            if stdout is not None:
                stdout.write(f"{run.done + run.skipped}/{run.total}\n")
    except Exception as exc:
        run.status = StatementRun.Status.FAILED
        run.error = repr(exc)[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    run.status = StatementRun.Status.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    record(
        None,
        "statement.generated",
        run,
        after={
            "kind": kind,
            "start": start.isoformat(),
            "created": run.done,
            "skipped": run.skipped,
        },
    )
    return run


# ---- review and send ------------------------------------------------------------------------


def statements_for(user):
    return Statement.objects.filter(book_q(user, prefix="customer__")).select_related(
        "customer", "owner"
    )


def get_statement_for(user, pk) -> Statement:
    statement = statements_for(user).filter(pk=pk).first()
    if statement is None:
        raise Statement.DoesNotExist
    return statement


def _require(user) -> None:
    if is_read_only(user) or not user.has_perm("customers.send_statement"):
        raise PermissionDenied(_("You may not review or send statements."))


def _locked(user, statement) -> Statement:
    locked = statements_for(user).select_for_update(of=("self",)).filter(pk=statement.pk).first()
    if locked is None:
        raise Statement.DoesNotExist
    return locked


def review(acting_user, statement: Statement, *, market_note: str) -> Statement:
    """The RM checks the statement and may edit the market note; the PDF is rendered again."""
    _require(acting_user)
    note = (market_note or "").strip()
    if len(note) > 2000:
        raise ValidationError({"market_note": _("The market note is limited to 2,000 characters.")})
    with transaction.atomic():
        locked = _locked(acting_user, statement)
        if locked.status == Statement.Status.SENT:
            raise ValidationError(_("This statement has already been sent."))
        before = locked.market_note
        locked.market_note = note
        pdf = render_pdf(
            locked.content, note, title=f"{locked.customer.name} {locked.period_start:%Y-%m}"
        )
        old = locked.pdf.name if locked.pdf else ""
        locked.pdf.save(
            _file_name(locked.customer.number, locked.period_kind, locked.period_start),
            ContentFile(pdf),
            save=False,
        )
        locked.status = Statement.Status.REVIEWED
        locked.reviewed_by = acting_user
        locked.reviewed_at = timezone.now()
        locked.save(update_fields=["market_note", "pdf", "status", "reviewed_by", "reviewed_at"])
        record(
            acting_user,
            "statement.reviewed",
            locked,
            before={"note_changed": False},
            after={"note_changed": before != note},
        )
        if old and old != locked.pdf.name:
            transaction.on_commit(lambda: locked.pdf.storage.delete(old))
    return locked


def recipient_for(customer: Customer) -> str:
    if customer.email:
        return customer.email
    contact = (
        InstitutionContact.objects.filter(customer=customer)
        .exclude(email="")
        .order_by("-is_primary", "pk")
        .first()
    )
    return contact.email if contact else ""


def send(acting_user, statement: Statement, *, via: str) -> Statement:
    """Mark a reviewed statement sent: by e-mail (sent now, PDF attached) or handed over as a
    download. Recorded on the statement and in the audit log of the customer."""
    _require(acting_user)
    if via not in Statement.SentVia.values:
        raise ValidationError(_("Choose how the statement was sent."))
    with transaction.atomic():
        locked = _locked(acting_user, statement)
        if locked.status == Statement.Status.GENERATED:
            raise ValidationError(_("Review the statement before sending it."))
        if locked.status == Statement.Status.SENT:
            raise ValidationError(_("This statement has already been sent."))
        to = ""
        if via == Statement.SentVia.EMAIL:
            to = recipient_for(locked.customer)
            if not to:
                raise ValidationError(_("The customer has no e-mail address."))
        locked.status = Statement.Status.SENT
        locked.sent_via = via
        locked.sent_to = to
        locked.sent_by = acting_user
        locked.sent_at = timezone.now()
        locked.save(update_fields=["status", "sent_via", "sent_to", "sent_by", "sent_at"])
        record(
            acting_user,
            "statement.sent",
            locked.customer,
            after={"statement": locked.pk, "via": via, "period": locked.period_start.isoformat()},
        )
        if via == Statement.SentVia.EMAIL:
            message = EmailMessage(
                subject=_("Your statement %(start)s – %(end)s")
                % {"start": locked.period_start, "end": locked.period_end},
                body=_("Dear customer, please find your statement attached."),
                to=[to],
            )
            with locked.pdf.open("rb") as fh:
                message.attach(locked.pdf.name.rsplit("/", 1)[-1], fh.read(), "application/pdf")
            # Sent inside the transaction: if the mail server refuses, nothing is marked sent.
            message.send()
    return locked


def record_download(acting_user, statement: Statement) -> None:
    record(
        acting_user, "statement.downloaded", statement, after={"customer": statement.customer_id}
    )


def runs() -> list[StatementRun]:
    return list(StatementRun.objects.order_by("-started_at")[:10])


def customer_statements(customer, limit=6) -> list[Statement]:
    return list(Statement.objects.filter(customer=customer).order_by("-period_start")[:limit])


def in_period_q(start, end) -> Q:
    return Q(period_start__gte=start, period_end__lte=end)
