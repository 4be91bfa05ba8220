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

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.accounts.permissions import require
from crm.audit.services import record
from crm.core import jobs, outbox
from crm.core.config import fiducia
from customers.records.models import (
    Customer,
    CustomerKind,
    InstitutionContact,
)
from customers.sales.access import access_statement
from customers.sales.models import PeriodKind, Statement, StatementRun
from customers.sales.services.statement_document import build_contents, file_name, render_pdf
from customers.sales.workflows import STATEMENT_FLOW

CHUNK = 200
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


# ---- generation -----------------------------------------------------------------------------

# By name: customers.sales.tasks imports this module, not the other way round.
GENERATE_TASK = "customers.sales_tasks.generate_statements"
# The statement runs started from the page, as long jobs (crm.core.jobs).
JOB_KIND = "statements"


def statements_generate_later(kind: str, period_start: datetime.date, *, requested_by=None):
    """Check the period and record its generation for the background (crm.core.outbox): the
    request never waits on the broker. With `requested_by`, a job (crm.core.jobs) shows them
    its progress and the bell tells them when it is done; returns that job (or None)."""
    period_bounds(kind, period_start)
    with transaction.atomic():
        job = None
        if requested_by is not None:
            job = jobs.job_create(
                requested_by, JOB_KIND, result_url=reverse("customers:statement-list")
            )
        outbox.enqueue(GENERATE_TASK, kind, period_start.isoformat(), job=job.pk if job else None)
    return job


def statements_generate(
    kind: str,
    period_start: datetime.date,
    *,
    market_note: str | None = None,
    customer_ids=None,
    chunk: int = CHUNK,
    stdout=None,
    job_id: int | None = None,
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
    jobs.job_progress(job_id, run.skipped, run.total)
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
                statement.pdf = ContentFile(pdf, name=file_name(customer.number, kind, start))
                rows.append(statement)
            with transaction.atomic():
                Statement.objects.bulk_create(rows, ignore_conflicts=True)
                run.done += len(rows)
                run.save(update_fields=["done"])
            jobs.job_progress(job_id, run.done + run.skipped)
            if stdout is not None:
                stdout.write(f"{run.done + run.skipped}/{run.total}\n")
    except Exception as exc:
        run.status = StatementRun.Status.FAILED
        run.error = repr(exc)[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        jobs.job_finish(job_id, error=exc)
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
    jobs.job_finish(job_id)
    return run


# ---- review and send ------------------------------------------------------------------------


DENIED = gettext_lazy("You may not review or send statements.")


def statement_review(acting_user, statement: Statement, *, market_note: str) -> Statement:
    """The RM checks the statement and may edit the market note; the PDF is rendered again."""
    require(acting_user, "customers.send_statement", message=DENIED)
    note = (market_note or "").strip()
    if len(note) > 2000:
        raise ValidationError({"market_note": _("The market note is limited to 2,000 characters.")})
    with transaction.atomic():
        locked = access_statement(acting_user, statement.pk, for_write=True)
        changed = locked.market_note != note
        old = locked.pdf.name if locked.pdf else ""

        def effects(spec):
            locked.market_note = note
            pdf = render_pdf(
                locked.content, note, title=f"{locked.customer.name} {locked.period_start:%Y-%m}"
            )
            locked.pdf.save(
                file_name(locked.customer.number, locked.period_kind, locked.period_start),
                ContentFile(pdf),
                save=False,
            )
            locked.reviewed_by = acting_user
            locked.reviewed_at = timezone.now()

        STATEMENT_FLOW.apply(
            acting_user,
            locked,
            Statement.Status.REVIEWED,
            effects=effects,
            audit_after={"note_changed": changed},
        )
        if old and old != locked.pdf.name:
            transaction.on_commit(lambda: locked.pdf.storage.delete(old))
    return locked


def recipient_for(customer: Customer) -> str:
    if customer.email:
        return customer.email
    contact = (
        InstitutionContact.objects.filter(customer=customer)
        .exclude(email_encrypted="")
        .order_by("-is_primary", "pk")
        .first()
    )
    return contact.email if contact else ""


def statement_send(acting_user, statement: Statement, *, via: str) -> Statement:
    """Mark a reviewed statement sent: by e-mail (sent now, PDF attached) or handed over as a
    download. Recorded on the statement and in the audit log of the customer."""
    require(acting_user, "customers.send_statement", message=DENIED)
    if via not in Statement.SentVia.values:
        raise ValidationError(_("Choose how the statement was sent."))
    with transaction.atomic():
        locked = access_statement(acting_user, statement.pk, for_write=True)
        STATEMENT_FLOW.spec(locked, Statement.Status.SENT)  # "review first" before the address
        to = ""
        if via == Statement.SentVia.EMAIL:
            to = recipient_for(locked.customer)
            if not to:
                raise ValidationError(_("The customer has no e-mail address."))

        def effects(spec):
            locked.sent_via = via
            locked.sent_to = to
            locked.sent_by = acting_user
            locked.sent_at = timezone.now()

        # Audited on the customer: the statement's history is the customer's.
        STATEMENT_FLOW.apply(
            acting_user,
            locked,
            Statement.Status.SENT,
            effects=effects,
            audit_target=locked.customer,
            audit_after={
                "statement": locked.pk,
                "via": via,
                "period": locked.period_start.isoformat(),
            },
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


def statement_download(acting_user, statement: Statement) -> None:
    record(
        acting_user, "statement.downloaded", statement, after={"customer": statement.customer_id}
    )


def in_period_q(start, end) -> Q:
    return Q(period_start__gte=start, period_end__lte=end)
