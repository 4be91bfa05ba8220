"""Issue 15: after a scripted day of searches, saved filters, exports, approvals, imports, a
complaint logged with the customer's mobile as the complainant's contact (a duplicate check and
a reveal included) and a prospect with a mobile, no table and no log line holds a demo
customer's clear ID number, mobile or e-mail.

Runs on SQLite and, with DATABASE_URL, on PostgreSQL (every table, every column, raw SQL)."""

import csv
import datetime
import io
import json
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from complaints.models import BusinessCategory, Cause, Channel, Complaint
from customers.records.models import Customer, CustomerImport, PiiExport
from customers.sales.models import Prospect
from tests.factories import CustomerFactory, InstitutionFactory, make_resident_id

pytestmark = pytest.mark.django_db

HEADER = ["number", "kind", "name", "id_number", "mobile", "email"]


def _people(first_seq: int, count: int) -> list[dict]:
    return [
        {
            "id": make_resident_id(datetime.date(1970 + i, 1 + i, 1 + i), first_seq + i),
            "mobile": f"1355{first_seq:03d}{i:04d}",
            "email": f"day{first_seq}.{i}@example.cn",
        }
        for i in range(count)
    ]


def _csv(numbers_and_people, name):
    out = io.StringIO()
    rows = [
        [n, "individual", "导入客户", p["id"], p["mobile"], p["email"]]
        for n, p in numbers_and_people
    ]
    csv.writer(out).writerows([HEADER, *rows])
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8"), content_type="text/csv")


def _table_text(table: str) -> str:
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - table names from introspection
        rows = cursor.fetchall()
    return "\n".join(
        json.dumps(value, ensure_ascii=False, default=str)
        if isinstance(value, dict | list)
        else str(value)
        for row in rows
        for value in row
    )


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _scripted_day(rm, lead, people, imported, cancelled):
    rm_client, lead_client = _client(rm), _client(lead)
    lst = reverse("customers:customer-list")
    first, second, third = people
    # Searches: by ID number (form post and a pasted link), by mobile, by its last 4 digits.
    found = rm_client.post(lst, {"q": first["id"]}, follow=True)
    assert [c.number for c in found.context["page"]] == ["D001"]
    assert rm_client.get(lst, {"q": second["mobile"]}, follow=True).context["page"]
    assert rm_client.get(lst, {"q": third["mobile"][-4:]}).context["page"]
    rm_client.post(lst, {"q": first["email"]}, follow=True)
    # A saved view and a masked export of the ID search (as crafted links, the worst case).
    rm_client.post(
        reverse("ui:saved-view-create"),
        {"list": "customers:customer-list", "name": "身份证", "query": f"q={first['id']}"},
    )
    assert (
        rm_client.get(reverse("customers:customer-export"), {"q": first["id"]}).status_code == 200
    )
    # An unmasked export of the search: requested, approved by the lead, downloaded.
    rm_client.get(reverse("customers:pii-export-request"), {"q": first["id"]})
    rm_client.post(
        reverse("customers:pii-export-request"), {"f_q": first["id"], "reason": "客户要求核对"}
    )
    export = PiiExport.objects.get()
    lead_client.post(
        reverse("core:approval-decide", args=[export.approval_id]), {"decision": "approve"}
    )
    download = rm_client.post(reverse("customers:pii-export-download", args=[export.pk]))
    sheet = load_workbook(io.BytesIO(download.content)).active
    assert first["id"] in [v for row in sheet.iter_rows(values_only=True) for v in row]
    # A reveal, then an import confirmed and another cancelled.
    customer = Customer.objects.get(number="D001")
    rm_client.post(
        reverse("customers:customer-reveal", args=[customer.pk, "mobile"]), {"purpose": "回电"}
    )
    numbered = [(f"I{n:03d}", p) for n, p in enumerate(imported)]
    rm_client.post(reverse("customers:import-upload"), {"file": _csv(numbered, "day.csv")})
    staged = CustomerImport.objects.latest("pk")
    rm_client.post(reverse("customers:import-confirm", args=[staged.pk]))
    assert Customer.objects.filter(number__startswith="I").count() == len(imported)
    numbered = [(f"X{n:03d}", p) for n, p in enumerate(cancelled)]
    rm_client.post(reverse("customers:import-upload"), {"file": _csv(numbered, "later.csv")})
    staged = CustomerImport.objects.latest("pk")
    rm_client.get(reverse("customers:import-preview", args=[staged.pk]))
    rm_client.post(reverse("customers:import-cancel", args=[staged.pk]))
    assert not Customer.objects.filter(number__startswith="X").exists()
    _complaint_and_prospect(rm_client, rm, customer, first["mobile"], second["mobile"])


def _complaint_and_prospect(client, rm, customer, complainant_mobile, prospect_mobile):
    intake = reverse("complaints:complaint-intake-customer", args=[customer.pk])
    data = {
        "channel": Channel.objects.get(code="02").pk,
        "business_category": BusinessCategory.objects.get(code="B07").pk,
        "cause": Cause.objects.get(code="R05").pk,
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "demands": "要求退还本金",
        "facts": "客户经理承诺保本",
        "complainant_contact": complainant_mobile,
    }
    assert client.post(intake, data).status_code == 302
    # Logged again: the duplicate check runs on the contact; then logged as new anyway.
    assert client.post(intake, data).context["duplicates"]
    assert client.post(intake, {**data, "confirm_new": "on"}).status_code == 302
    complaint = Complaint.objects.earliest("pk")
    client.get(reverse("complaints:complaint-detail", args=[complaint.pk]))
    reveal = reverse("complaints:complaint-contact-reveal", args=[complaint.pk])
    assert complainant_mobile in client.post(reveal, {"purpose": "回电"}).content.decode()
    created = client.post(
        reverse("customers:prospect-create"),
        {
            "name": "周建华",
            "kind": "individual",
            "source": "walk_in",
            "owner": rm.pk,
            "expected_aum": "3000000",
            "contact": prospect_mobile,
        },
    )
    assert created.status_code == 302, created.context["form"].errors
    prospect = Prospect.objects.get()
    assert prospect.contact == prospect_mobile
    client.get(reverse("customers:prospect-detail", args=[prospect.pk]))


def test_no_clear_identifier_in_any_table_or_log_after_a_day(rm_a, lead, caplog):
    caplog.set_level(logging.DEBUG)
    people = _people(1, 3)
    for n, person in enumerate(people, 1):
        CustomerFactory(
            owner=rm_a,
            number=f"D{n:03d}",
            id_number=person["id"],
            mobile=person["mobile"],
            email=person["email"],
        )
    institution = InstitutionFactory(owner=rm_a)
    institution.contacts.create(name="周明", role="finance", mobile="13566660000")
    imported, cancelled = _people(2, 2), _people(3, 2)

    _scripted_day(rm_a, lead, people, imported, cancelled)

    clear = {"13566660000"}
    for person in people + imported + cancelled:
        clear |= {person["id"], person["mobile"], person["email"]}
    leaks = []
    for table in connection.introspection.table_names():
        text = _table_text(table).upper()
        leaks += [(table, value) for value in clear if value.upper() in text]
    log = "\n".join(r.getMessage() for r in caplog.records).upper()
    leaks += [("log", value) for value in clear if value.upper() in log]
    assert leaks == []
