import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from compliance import transfers
from compliance.importing import dedupe_key, validate
from compliance.models import RiskSignal, RiskWarning, SignalImport
from compliance.services import ingest
from compliance.sources import RecordError, SignalRecord, SignalSource
from crm.accounts import roles
from crm.audit.models import AuditEntry
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

HEADER = ["customer_number", "kind", "date", "severity", "evidence", "external_id", "value"]


def _csv(rows, name="signals.csv", header=HEADER, encoding="utf-8"):
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return SimpleUploadedFile(name, out.getvalue().encode(encoding), content_type="text/csv")


@pytest.fixture
def customers(db):
    return [CustomerFactory(number=f"S{i:04d}") for i in range(3)]


def _rows(today=None):
    today = (today or timezone.localdate()).isoformat()
    return [
        ["S0000", "overdue", today, "4", "贷款逾期45天", "CB-1", "45"],
        ["S0001", "失信被执行人", today, "高", "（2026）沪01执123号", "CT-9", ""],
        ["S0002", "negative_news", today, "2", "媒体负面报道", "", ""],
        ["S9999", "overdue", today, "3", "unknown customer", "CB-2", ""],  # bad: unknown customer
        ["S0000", "bogus", "2026-13-45", "9", "", "", "x"],  # bad: five columns
    ]


def test_stage_validates_and_writes_nothing(risk_user, customers):
    staged = transfers.signal_import_stage(risk_user, _csv(_rows()))
    assert staged.total_rows == 5
    assert len(staged.valid_rows) == 3
    assert staged.error_rows == 2
    columns = {(e["row"], e["column"]) for e in staged.errors}
    assert (5, "customer_number") in columns
    assert {(6, "kind"), (6, "date"), (6, "severity"), (6, "evidence"), (6, "value")} <= columns
    assert RiskSignal.objects.count() == 0
    assert RiskWarning.objects.count() == 0
    assert AuditEntry.objects.filter(action="signal_import.staged").count() == 1


def test_confirm_writes_signals_and_raises_graded_warnings(risk_user, customers):
    staged = transfers.signal_import_stage(risk_user, _csv(_rows()))
    transfers.signal_import_confirm(risk_user, staged)
    staged.refresh_from_db()
    assert staged.status == SignalImport.Status.CONFIRMED
    assert staged.created_count == 3
    grades = dict(RiskWarning.objects.values_list("customer__number", "grade"))
    # Seeded rules: overdue severity 4 → red; dishonest debtor severity 3 → red; news 2 → yellow.
    assert grades == {"S0000": "red", "S0001": "red", "S0002": "yellow"}
    assert RiskSignal.objects.filter(warning__isnull=True).count() == 0
    assert RiskWarning.objects.get(customer__number="S0000").owner == customers[0].owner


def test_reimport_creates_no_duplicates(risk_user, customers):
    first = transfers.signal_import_stage(risk_user, _csv(_rows()))
    transfers.signal_import_confirm(risk_user, first)
    second = transfers.signal_import_stage(risk_user, _csv(_rows()))
    assert second.existing_rows == 3
    assert second.valid_rows == []
    with pytest.raises(ValidationError):
        transfers.signal_import_confirm(risk_user, first)  # confirming twice is refused
    assert RiskSignal.objects.count() == 3
    assert RiskWarning.objects.count() == 3


def test_rows_staged_twice_are_skipped_by_the_database(risk_user, customers):
    a = transfers.signal_import_stage(risk_user, _csv(_rows()))
    b = transfers.signal_import_stage(risk_user, _csv(_rows()))
    transfers.signal_import_confirm(risk_user, a)
    transfers.signal_import_confirm(risk_user, b)
    b.refresh_from_db()
    assert b.created_count == 0
    assert RiskSignal.objects.count() == 3


def test_same_signal_twice_in_one_file_collapses(risk_user, customers):
    today = timezone.localdate().isoformat()
    row = ["S0002", "negative_news", today, "2", "同一条新闻", "", ""]
    staged = transfers.signal_import_stage(risk_user, _csv([row, row]))
    assert len(staged.valid_rows) == 1
    assert staged.existing_rows == 1


def test_dedupe_key_hashes_without_external_id():
    rec = SignalRecord(2, "S1", "overdue", datetime.date(2026, 1, 5), 3, "逾期")
    assert dedupe_key(rec, 7) == dedupe_key(rec, 7)
    assert dedupe_key(rec, 7) != dedupe_key(rec, 8)
    assert (
        dedupe_key(SignalRecord(2, "S1", "overdue", datetime.date(2026, 1, 5), 3, "x", "ID1"), 7)
        == "ID1"
    )


def test_xlsx_and_gb18030_and_chinese_headers(risk_user, customers):
    today = timezone.localdate()
    wb = Workbook()
    ws = wb.active
    ws.append(["客户号", "信号类型", "日期", "严重程度", "证据"])
    ws.append(["S0000", "大额流出", today, "严重", "单日流出500万"])
    buf = io.BytesIO()
    wb.save(buf)
    upload = SimpleUploadedFile("s.xlsx", buf.getvalue())
    staged = transfers.signal_import_stage(risk_user, upload)
    assert len(staged.valid_rows) == 1, staged.errors
    assert staged.valid_rows[0]["kind"] == "large_outflow"
    gb = _csv(
        [["S0001", "负面舆情", today.isoformat(), "低", "媒体报道"]],
        header=["客户号", "信号类型", "日期", "严重程度", "证据"],
        encoding="gb18030",
    )
    assert len(transfers.signal_import_stage(risk_user, gb).valid_rows) == 1


def test_bad_files_get_a_clear_message(risk_user, customers):
    with pytest.raises(ValidationError):
        transfers.signal_import_stage(risk_user, _csv([], header=["foo", "bar"]))
    with pytest.raises(ValidationError):
        transfers.signal_import_stage(risk_user, SimpleUploadedFile("x.pdf", b"%PDF"))
    with pytest.raises(ValidationError):
        transfers.signal_import_stage(risk_user, SimpleUploadedFile("x.xlsx", b"not a workbook"))
    assert SignalImport.objects.count() == 0


def test_future_dates_are_rejected(risk_user, customers):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    staged = transfers.signal_import_stage(
        risk_user, _csv([["S0000", "overdue", tomorrow, "1", "x"]])
    )
    assert staged.errors[0]["column"] == "date"


def test_rm_may_not_import_and_sees_only_their_book(make_user, customers):
    rm = customers[0].owner
    with pytest.raises(PermissionDenied):
        transfers.signal_import_stage(rm, _csv(_rows()))


def test_pluggable_source_protocol_and_ingest(risk_user, customers):
    class Feed:
        source_code = "court"

        def records(self):
            yield SignalRecord(1, "S0001", "litigation", timezone.localdate(), 4, "案号A", "A")
            yield RecordError(2, "kind", "?", "bad")

    assert isinstance(Feed(), SignalSource)
    created, errors = ingest.ingest(Feed(), risk_user)
    assert created == 1 and len(errors) == 1
    created, errors = ingest.ingest(Feed(), risk_user)
    assert created == 0
    assert RiskWarning.objects.get().grade == "red"


def test_validate_only_sees_customers_in_scope(make_user, customers):
    rm = customers[0].owner

    class Feed:
        source_code = "file"

        def records(self):
            for i, c in enumerate(customers):
                yield SignalRecord(i + 1, c.number, "overdue", timezone.localdate(), 1, "x", str(i))

    result = validate(Feed(), rm)
    assert [r["customer_number"] for r in result.valid] == ["S0000"]
    assert len(result.errors) == 2


def test_import_views_flow_and_error_report(client, risk_user, customers):
    client.force_login(risk_user)
    response = client.post(
        reverse("compliance:signal-import-upload"), {"source": "file", "file": _csv(_rows())}
    )
    staged = SignalImport.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("compliance:signal-import-preview", args=[staged.pk]))
    assert page.status_code == 200
    assert 'data-count="errors">2<' in page.content.decode()
    report = client.get(reverse("compliance:signal-import-errors", args=[staged.pk]))
    sheet = load_workbook(io.BytesIO(report.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + len(staged.errors)
    assert rows[1][0] == 5 and rows[1][1] == "customer_number" and rows[1][2] == "S9999"
    csv_report = client.get(
        reverse("compliance:signal-import-errors", args=[staged.pk]) + "?format=csv"
    )
    assert "S9999" in csv_report.content.decode("utf-8-sig")
    client.post(reverse("compliance:signal-import-confirm", args=[staged.pk]))
    assert RiskSignal.objects.count() == 3


def test_other_users_import_is_404(client, risk_user, make_user, customers):
    staged = transfers.signal_import_stage(risk_user, _csv(_rows()))
    other = make_user(roles.RISK_OFFICER)
    client.force_login(other)
    assert (
        client.get(reverse("compliance:signal-import-preview", args=[staged.pk])).status_code == 404
    )
    assert (
        client.post(reverse("compliance:signal-import-confirm", args=[staged.pk])).status_code
        == 404
    )
    assert RiskSignal.objects.count() == 0


def test_manual_signal_entry(client, risk_user, customers):
    client.force_login(risk_user)
    data = {
        "customer": "S0000",
        "kind": "esg_incident",
        "severity": "3",
        "observed_on": timezone.localdate().isoformat(),
        "evidence": "环保处罚",
    }
    response = client.post(reverse("compliance:signal-create"), data)
    warning = RiskWarning.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "compliance:warning-detail", args=[warning.pk]
    )
    assert warning.grade == "orange"
    again = client.post(reverse("compliance:signal-create"), data)
    assert again.status_code == 200  # duplicate refused with a message
    assert RiskSignal.objects.count() == 1


def test_big_batches_refresh_the_planner_statistics(risk_user, csv_upload, monkeypatch):
    """A batch that fills the tables analyses them before the statements that follow."""
    from django.db import connection

    from crm.core import planner

    analysed = []
    real = planner.analyze
    monkeypatch.setattr(planner, "BULK_ROWS", 1)
    monkeypatch.setattr(
        planner, "analyze", lambda *models: (analysed.extend(models), real(*models))
    )
    customer = CustomerFactory()
    upload = csv_upload(
        [
            "customer_number,kind,date,severity,evidence",
            f"{customer.number},overdue,2026-01-05,4,逾期90天",
        ]
    )
    staged = transfers.signal_import_stage(risk_user, upload)
    transfers.signal_import_confirm(risk_user, staged)
    assert analysed == [RiskSignal, RiskWarning]
    assert RiskWarning.objects.get().customer == customer
    if connection.vendor == "postgresql":  # ANALYZE ran inside the import's transaction
        with connection.cursor() as cur:
            cur.execute("SELECT reltuples FROM pg_class WHERE relname = 'compliance_risksignal'")
            assert cur.fetchone()[0] >= 1


def test_formula_like_evidence_is_accepted_as_text_and_flagged_in_the_preview(
    client, risk_user, customers
):
    """Issue 15, item 1: free-text evidence may begin like a formula (the preview says so and
    every export writes it as text); a customer number or source id may not."""
    today = timezone.localdate().isoformat()
    rows = [
        ["S0000", "overdue", today, "4", '=HYPERLINK("http://evil.example")', "CB-1", ""],
        ["S0001", "overdue", today, "4", "逾期", "@CB-2", ""],
    ]
    client.force_login(risk_user)
    client.post(
        reverse("compliance:signal-import-upload"),
        {"source": "file", "file": _csv(rows)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    staged = SignalImport.objects.get()
    assert [r["evidence"] for r in staged.valid_rows] == ['=HYPERLINK("http://evil.example")']
    assert [(e["row"], e["column"]) for e in staged.errors] == [(3, "external_id")]
    assert "formula" in staged.errors[0]["reason"]
    page = client.get(
        reverse("compliance:signal-import-preview", args=[staged.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert 'id="formula-values"' in page and "1 value begins with =, +, -, @" in page
