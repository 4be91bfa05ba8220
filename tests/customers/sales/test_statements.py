import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from crm.audit.models import AuditEntry
from customers.records.models import FollowUpTask
from customers.sales.models import Statement
from customers.sales.services import statements
from customers.sales.tasks import generate_due_statements
from tests.factories import (
    ContractFactory,
    CustomerFactory,
    HoldingFactory,
    InstitutionFactory,
    MonthlyAggregateFactory,
)

pytestmark = pytest.mark.django_db
OCT = datetime.date(2026, 10, 1)


def pdf_text(data: bytes) -> str:
    """The text of an uncompressed reportlab PDF using a UCS-2 CID font (UniGB-UCS2-H)."""
    out = []
    for raw in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", data):
        buf = bytearray()
        i = 0
        while i < len(raw):
            ch = raw[i]
            if ch == 0x5C:  # backslash escape
                nxt = raw[i + 1 : i + 4]
                m = re.match(rb"[0-7]{1,3}", nxt)
                if m:
                    buf.append(int(m.group(), 8))
                    i += 1 + len(m.group())
                    continue
                buf.append({ord("n"): 10, ord("r"): 13, ord("t"): 9}.get(raw[i + 1], raw[i + 1]))
                i += 2
                continue
            buf.append(ch)
            i += 1
        out.append(bytes(buf).decode("utf-16-be", errors="replace"))
    return "".join(out)


@pytest.fixture
def institution(rm_a):
    c = InstitutionFactory(owner=rm_a, name="华信信托有限责任公司")
    HoldingFactory(customer=c, market_value=Decimal("1200000.00"))
    HoldingFactory(customer=c, market_value=Decimal("300000.00"))
    ContractFactory(customer=c, title="集合资金信托合同", matures_on=datetime.date(2026, 12, 15))
    MonthlyAggregateFactory(customer=c, month=OCT, trade_count=4, trade_volume=Decimal("800000"))
    MonthlyAggregateFactory(customer=c, month=datetime.date(2026, 9, 1), trade_count=99)
    FollowUpTask.objects.create(
        customer=c,
        owner=rm_a,
        title="季度走访",
        reason="cadence",
        due_on=OCT,
        status="done",
        completed_at=timezone.make_aware(datetime.datetime(2026, 10, 12, 10)),
    )
    return c


def test_content_is_built_from_the_period(institution):
    run = statements.statements_generate("monthly", OCT, customer_ids=[institution.pk])
    s = Statement.objects.get(customer=institution)
    assert run.done == 1 and s.period_end == datetime.date(2026, 10, 31)
    c = s.content
    assert c["holdings_total"] == "1500000.00" and len(c["holdings"]) == 2
    assert c["transactions"]["trade_count"] == 4  # September is outside the period
    assert c["transactions"]["trade_volume"] == "800000.00"
    assert [x["title"] for x in c["contracts"]] == ["集合资金信托合同"]
    assert c["contracts"][0]["maturing"] is True  # within 90 days of the period end
    assert [x["title"] for x in c["contacts"]] == ["季度走访"]


def test_pdf_has_chinese_text_in_stsong(institution):
    statements.statements_generate("monthly", OCT, customer_ids=[institution.pk])
    s = Statement.objects.get(customer=institution)
    with s.pdf.open("rb") as fh:
        stored = fh.read()
    assert stored.startswith(b"%PDF") and b"STSong-Light" in stored
    text = pdf_text(statements.render_pdf(s.content, "市场平稳，关注到期再投资", compress=False))
    for expected in [
        "客户对账单",
        "华信信托有限责任公司",
        "1500000.00",
        "集合资金信托合同",
        "季度走访",
        "关注到期再投资",
    ]:
        assert expected in text


def test_generation_is_idempotent_per_customer_and_period(institution, rm_a):
    vip = CustomerFactory(owner=rm_a, vip_level="diamond")
    ordinary = CustomerFactory(owner=rm_a)
    first = statements.statements_generate("monthly", OCT)
    second = statements.statements_generate("monthly", OCT)
    assert (first.done, first.skipped) == (1, 0)
    assert (second.done, second.skipped, second.total) == (0, 1, 1)
    q = statements.statements_generate("quarterly", datetime.date(2026, 7, 1))
    assert q.done == 1 and Statement.objects.get(period_kind="quarterly").customer == vip
    assert not Statement.objects.filter(customer=ordinary).exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.create(
            customer=institution,
            period_kind="monthly",
            period_start=OCT,
            period_end=datetime.date(2026, 10, 31),
            owner=rm_a,
            content={},
        )


def test_bad_periods_are_refused():
    with pytest.raises(ValidationError):
        statements.period_bounds("monthly", datetime.date(2026, 10, 2))
    with pytest.raises(ValidationError):
        statements.period_bounds("quarterly", datetime.date(2026, 2, 1))
    assert statements.period_bounds("quarterly", datetime.date(2026, 10, 1))[1] == datetime.date(
        2026, 12, 31
    )


def test_due_periods_and_beat_task(institution):
    assert statements.due_periods(datetime.date(2026, 11, 2)) == [("monthly", OCT)]
    assert statements.due_periods(datetime.date(2027, 1, 2)) == [
        ("monthly", datetime.date(2026, 12, 1)),
        ("quarterly", datetime.date(2026, 10, 1)),
    ]
    assert generate_due_statements("2026-11-02")["monthly:2026-10-01"]["created"] == 1
    assert generate_due_statements("2026-11-02")["monthly:2026-10-01"]["created"] == 0
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="customers.sales_tasks.generate_due_statements")
    assert task.enabled and task.crontab.hour == "2"
    assert PeriodicTask.objects.filter(task="customers.sales_tasks.detect_dormant").exists()


def test_review_then_send_by_email(institution, rm_a):
    statements.statements_generate("monthly", OCT, customer_ids=[institution.pk])
    s = Statement.objects.get(customer=institution)
    with pytest.raises(ValidationError):
        statements.statement_send(rm_a, s, via="email")  # review first
    statements.statement_review(rm_a, s, market_note="四季度关注利率下行")
    s.refresh_from_db()
    assert s.status == "reviewed" and s.reviewed_by == rm_a
    with s.pdf.open("rb") as fh:
        assert fh.read().startswith(b"%PDF")
    statements.statement_send(rm_a, s, via="email")
    s.refresh_from_db()
    assert s.status == "sent" and s.sent_to == institution.email and s.sent_at
    assert len(mail.outbox) == 1 and mail.outbox[0].attachments[0][2] == "application/pdf"
    assert AuditEntry.objects.filter(
        action="statement.sent", target_id=str(institution.pk)
    ).exists()
    with pytest.raises(ValidationError):
        statements.statement_send(rm_a, s, via="download")


def test_other_rm_gets_404_and_views_work(client, institution, rm_a, rm_b):
    statements.statements_generate("monthly", OCT, customer_ids=[institution.pk])
    s = Statement.objects.get(customer=institution)
    client.force_login(rm_b)
    assert client.get(reverse("customers:statement-detail", args=[s.pk])).status_code == 404
    assert client.get(reverse("customers:statement-pdf", args=[s.pk])).status_code == 404
    client.force_login(rm_a)
    page = client.get(reverse("customers:statement-detail", args=[s.pk]))
    assert page.status_code == 200 and "集合资金信托合同" in page.content.decode()
    pdf = client.get(reverse("customers:statement-pdf", args=[s.pk]))
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="statement.downloaded").exists()
    client.post(reverse("customers:statement-review", args=[s.pk]), {"market_note": "观点"})
    client.post(reverse("customers:statement-send", args=[s.pk]), {"via": "download"})
    s.refresh_from_db()
    assert s.status == "sent" and s.sent_via == "download"


def test_statement_list_query_budget(client, rm_a, django_assert_max_num_queries):
    ids = [InstitutionFactory(owner=rm_a).pk for _ in range(6)]
    statements.statements_generate("monthly", OCT, customer_ids=ids)
    client.force_login(rm_a)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("customers:statement-list"))
    assert response.content.decode().count("/customers/sales/statements/") >= 6


def test_generation_queries_do_not_grow_per_customer(rm_a, django_assert_max_num_queries):
    ids = [InstitutionFactory(owner=rm_a).pk for _ in range(10)]
    # Per chunk: customers, holdings, contracts, aggregates, contacts, insert, progress.
    with django_assert_max_num_queries(20):
        run = statements.statements_generate("monthly", OCT, customer_ids=ids)
    assert run.done == 10


def test_pdf_in_english_when_asked(institution):
    statements.statements_generate("monthly", OCT, customer_ids=[institution.pk])
    s = Statement.objects.get(customer=institution)
    text = pdf_text(statements.render_pdf(s.content, "", compress=False, language="en"))
    assert "Customer statement and service report" in text and "1. Holdings" in text
