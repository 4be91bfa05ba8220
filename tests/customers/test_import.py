import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from crm.audit.models import AuditEntry
from customers.records.models import Customer, CustomerImport
from tests.factories import CustomerFactory, make_resident_id, make_uscc

pytestmark = pytest.mark.django_db

HEADER = ["number", "kind", "name", "institution_type", "id_number", "uscc", "mobile", "email"]
GOOD_ID = "11010519491231002X"


def _csv(rows, name="customers.csv"):
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8"), content_type="text/csv")


def _rows():
    import datetime

    return [
        ["N0001", "individual", "张伟", "", GOOD_ID.lower(), "", "13812345678", "a@example.cn"],
        ["N0002", "机构", "华信信托有限公司", "trust", "", make_uscc(7), "", ""],
        ["N0003", "individual", "李娜", "", "110105194912310021", "", "", ""],  # bad check digit
        [
            "N0004",
            "individual",
            "王芳",
            "",
            make_resident_id(datetime.date(1980, 2, 3), 5),
            "",
            "12345",
            "",
        ],
        ["N0001", "individual", "张伟", "", GOOD_ID, "", "", ""],  # duplicate within the file
        ["N0006", "unknown", "", "", "", "", "", ""],
    ]


def test_upload_preview_error_report_and_confirm(as_user, rm_a):
    client = as_user(rm_a)
    response = client.post(reverse("customers:import-upload"), {"file": _csv(_rows())})
    staged = CustomerImport.objects.get()
    assert response.status_code == 302
    assert Customer.objects.count() == 0  # nothing written before confirmation
    assert staged.total_rows == 6
    assert [r["number"] for r in staged.valid_rows] == ["N0001", "N0002"]
    errors = {(e["row"], e["column"]) for e in staged.errors}
    assert (4, "id_number") in errors  # row 4 = third data row
    assert (5, "mobile") in errors
    assert (6, "number") in errors or (6, "id_number") in errors  # duplicate of row 2
    assert (7, "kind") in errors and (7, "name") in errors
    preview = client.get(reverse("customers:import-preview", args=[staged.pk])).content.decode()
    assert 'data-count="valid">2<' in preview
    # The error report names row, column, value (PII masked) and reason.
    report = client.get(reverse("customers:import-errors", args=[staged.pk]))
    sheet = load_workbook(io.BytesIO(report.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows[0]) == 4
    assert any(r[0] == 4 and r[1] == "id_number" and r[2] != "110105194912310021" for r in rows[1:])
    csv_report = client.get(reverse("customers:import-errors", args=[staged.pk]), {"format": "csv"})
    assert "mobile" in csv_report.content.decode("utf-8-sig")

    client.post(reverse("customers:import-confirm", args=[staged.pk]))
    assert set(Customer.objects.values_list("number", flat=True)) == {"N0001", "N0002"}
    zhang = Customer.objects.get(number="N0001")
    assert zhang.decrypted_id_number() == GOOD_ID
    assert zhang.name_initials == "zw" and zhang.mobile_masked.endswith("5678")
    assert zhang.owner == rm_a and zhang.branch_id == rm_a.branch_id
    assert AuditEntry.objects.filter(action="customer_import.confirmed").count() == 1


def test_reimporting_the_same_file_changes_nothing(as_user, rm_a):
    client = as_user(rm_a)
    for _ in range(2):
        client.post(reverse("customers:import-upload"), {"file": _csv(_rows())})
        staged = CustomerImport.objects.order_by("-pk").first()
        client.post(reverse("customers:import-confirm", args=[staged.pk]))
    second = CustomerImport.objects.order_by("-pk").first()
    assert second.valid_rows == [] and second.existing_rows == 2
    assert second.created_count == 0
    assert Customer.objects.count() == 2


def test_existing_id_number_under_a_new_number_is_skipped(as_user, rm_a):
    CustomerFactory(owner=rm_a, id_number=GOOD_ID)
    client = as_user(rm_a)
    client.post(reverse("customers:import-upload"), {"file": _csv([_rows()[0]])})
    staged = CustomerImport.objects.get()
    assert staged.existing_rows == 1 and staged.valid_rows == []


def test_confirm_twice_writes_once(as_user, rm_a):
    client = as_user(rm_a)
    client.post(reverse("customers:import-upload"), {"file": _csv(_rows())})
    staged = CustomerImport.objects.get()
    client.post(reverse("customers:import-confirm", args=[staged.pk]))
    client.post(reverse("customers:import-confirm", args=[staged.pk]))
    assert Customer.objects.count() == 2


def test_xlsx_upload(as_user, rm_a):
    book = Workbook()
    sheet = book.active
    sheet.append(["客户号", "类型", "名称", "身份证号"])
    sheet.append(["X0001", "个人", "陈静", GOOD_ID])
    out = io.BytesIO()
    book.save(out)
    upload = SimpleUploadedFile("c.xlsx", out.getvalue())
    as_user(rm_a).post(reverse("customers:import-upload"), {"file": upload})
    staged = CustomerImport.objects.get()
    assert [r["number"] for r in staged.valid_rows] == ["X0001"]


def test_bad_file_gets_a_clear_message(as_user, rm_a):
    client = as_user(rm_a)
    upload = SimpleUploadedFile("c.txt", b"hello")
    response = client.post(reverse("customers:import-upload"), {"file": upload})
    assert response.status_code == 200
    assert CustomerImport.objects.count() == 0
    assert response.context["form"].errors["file"]
    upload = SimpleUploadedFile("c.csv", b"foo,bar\n1,2\n")
    response = client.post(reverse("customers:import-upload"), {"file": upload})
    assert "number" in str(response.context["form"].errors["file"])


def test_another_users_import_is_404(as_user, rm_a, rm_b):
    as_user(rm_a).post(reverse("customers:import-upload"), {"file": _csv(_rows())})
    staged = CustomerImport.objects.get()
    client = as_user(rm_b)
    assert client.get(reverse("customers:import-preview", args=[staged.pk])).status_code == 404
    assert client.post(reverse("customers:import-confirm", args=[staged.pk])).status_code == 404
    assert Customer.objects.count() == 0
