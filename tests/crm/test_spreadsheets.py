"""Formula injection (issue 15, item 1): every XLSX and CSV Fiducia writes keeps text that
begins with =, +, -, @, a tab or a carriage return as text, never a formula."""

import ast
import csv
import datetime
import io
import types
from pathlib import Path

import pytest

from crm.core import spreadsheets
from tests.files import xlsx_text_cells

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    "=***",
]


def test_every_prefix_is_covered():
    assert {v[0] for v in HOSTILE} == set(spreadsheets.FORMULA_PREFIXES)


def test_table_xlsx_writes_formula_like_text_as_text():
    data = spreadsheets.table_xlsx([["Value", "Number"], *[[v, -5] for v in HOSTILE]])
    # XML reads a written carriage return back as a line feed.
    assert set(xlsx_text_cells(data)) == {v.replace("\r", "\n") for v in HOSTILE}


def test_table_csv_prefixes_formula_like_text_with_a_quote():
    response = spreadsheets.table_response(
        [["Value", "Number"], *[[v, -5] for v in HOSTILE]], "report", as_csv=True
    )
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1:] == [["'" + v, "-5"] for v in HOSTILE]  # numbers stay numbers
    assert response["Cache-Control"] == "no-store"


def test_a_cell_set_directly_on_a_normal_workbook_is_swept_to_text():
    book = spreadsheets.new_workbook()
    book.active["B2"] = "=1+1"
    assert xlsx_text_cells(spreadsheets.workbook_bytes(book)) == {"=1+1": "s"}


def test_no_module_builds_a_workbook_past_the_spreadsheets_module():
    """Writers get their workbook from crm.core.spreadsheets (new_workbook, append_row,
    workbook_bytes), so none can skip the formula guard."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "bench/", "node_modules/")):
            continue
        if relative == "crm/core/spreadsheets.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            own_workbook = (
                isinstance(node, ast.ImportFrom)
                and node.module == "openpyxl"
                and any(alias.name == "Workbook" for alias in node.names)
            ) or (isinstance(node, ast.Attribute) and node.attr == "Workbook")
            own_csv = (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") == "writer"
                and getattr(node.func.value, "id", "") == "csv"
            )
            if own_workbook or own_csv:
                offenders.append(relative)
    assert offenders == []


def test_complaint_statistics_and_register_write_text():
    from complaints.exporting import SHEETS, workbook

    group = {
        "code": "=CODE()",
        "label": "+label",
        "n": 1,
        "closed": 1,
        "decided": 1,
        "avg_days": None,
        "breaches": 0,
        "breach_rate": 0,
        "avg_sat": None,
        "satisfied_rate": None,
    }
    summary = {k: group[k] for k in group if k not in ("code", "label")}
    data = {
        "start": datetime.date(2026, 1, 1),
        "end": datetime.date(2026, 3, 31),
        "summary": summary,
        "groups": {key: [group] for key, _title in SHEETS},
    }
    named = types.SimpleNamespace
    complaint = named(
        reference="@REF",
        received_at=datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC),
        is_anonymous=False,
        complainant_name="=HYPERLINK(1)",
        customer_id=None,
        channel=named(code="-channel"),
        business_category=named(code="=cat"),
        cause=named(code="\tcause"),
        product_id=1,
        product=named(name="=product"),
        branch_id=1,
        branch=named(name="@branch"),
        regulator_forwarded=False,
        get_state_display=lambda: "=state",
        decision_due=datetime.date(2026, 2, 16),
        decided_at=None,
        handling_days=None,
        breached=False,
        satisfaction=None,
    )
    cells = xlsx_text_cells(workbook(data, [complaint]))
    # The register masks the complainant: "=HYPERLINK(1)" leaves as "= * * *…", still text.
    assert {"=CODE()", "+label", "@REF", "-channel", "=cat", "=product", "@branch"} <= set(cells)
    assert any(v.startswith("=*") for v in cells)


def test_kpi_export_writes_text(monkeypatch):
    from crm.performance import services

    named = types.SimpleNamespace

    class Staff:
        employee_no = "=1+1"
        team = named(name="@team")

        def __str__(self):
            return "=name"

    user = Staff()
    row = named(user=user, figures=[], compliance_lapsed=False)
    data = named(as_of=None, metrics=[], rows=[row], teams=[named(label="+team", figures=[])])
    data.total = named(figures=[])
    monkeypatch.setattr(services.selectors, "dashboard", lambda user, period: data)
    monkeypatch.setattr(services, "audit", lambda *args, **kwargs: None)
    cells = xlsx_text_cells(services.export_dashboard(None, named(key="2026Q1")))
    assert {"=name", "=1+1", "@team", "+team"} <= set(cells)


def test_tiering_report_export_writes_text(monkeypatch):
    from tiering import services
    from tiering.selectors import CLASSES

    monkeypatch.setattr(services, "record", lambda *args, **kwargs: None)
    data = {
        "distribution": [{"class": "=A", "customers": 1, "contribution": 1, "share": 1}],
        "movement_rows": [{"from": "+B", "cells": [0] * len(CLASSES)}],
        "segment_rows": [{"segment": "-1 M", "cells": [{"n": 1, "avg": 2}] * len(CLASSES)}],
    }
    run = types.SimpleNamespace(as_of=datetime.date(2026, 1, 1))
    cells = xlsx_text_cells(services.report_export(None, run, data))
    assert set(cells) == {"=A", "+B", "-1 M"}


@pytest.mark.django_db
def test_audit_export_writes_text():
    from compliance.transfers import audit_rows
    from crm.audit.models import AuditEntry
    from crm.audit.services import record

    record(None, "customer.exported", None, purpose='=HYPERLINK("http://evil.example")')
    data = spreadsheets.table_xlsx(audit_rows(AuditEntry.objects.all()))
    assert xlsx_text_cells(data) == {'=HYPERLINK("http://evil.example")': "s"}
