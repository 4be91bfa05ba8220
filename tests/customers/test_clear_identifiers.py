"""Searching by an identifier keeps it out of URLs, saved filters, exports' filters, approval
payloads and audit rows; mobile and e-mail are encrypted at rest (issue 15)."""

import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from crm import crypto
from crm.audit.models import AuditEntry
from crm.core.approvals import approval_decide
from crm.core.models import SavedView
from crm.identifiers import ID_NUMBER, MOBILE, search_token
from customers.records.models import (
    Customer,
    CustomerImport,
    InstitutionContact,
    PiiExport,
)
from tests.factories import CustomerFactory, InstitutionFactory

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"
LIST = "customers:customer-list"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _qk(response) -> str:
    assert response.status_code == 303
    query = parse_qs(urlsplit(response["Location"]).query)
    assert "q" not in query
    return query["qk"][0]


def test_the_search_form_posts_and_an_id_number_comes_back_as_a_token(as_user, rm_a, mine):
    client = as_user(rm_a)
    response = client.post(reverse(LIST), {"q": ID.lower(), "tier": ""})
    assert ID not in response["Location"] and ID.lower() not in response["Location"]
    assert _qk(response) == search_token(ID_NUMBER, ID)
    page = client.get(response["Location"])
    assert [c.pk for c in page.context["page"]] == [mine.pk]
    assert page.context["search_kind"] == "id_number"


def test_a_link_with_an_id_number_in_clear_is_redirected(as_user, rm_a, mine):
    response = as_user(rm_a).get(reverse(LIST), {"q": ID, "sort": "name"})
    assert _qk(response) == search_token(ID_NUMBER, ID)
    assert "sort=name" in response["Location"]


def test_search_by_mobile_and_by_its_last_four_digits(as_user, rm_a, mine, theirs):
    client = as_user(rm_a)
    response = client.post(reverse(LIST), {"q": "+86 138 1234 5678"})
    assert _qk(response) == search_token(MOBILE, "13812345678")
    assert [c.pk for c in client.get(response["Location"]).context["page"]] == [mine.pk]
    page = client.get(reverse(LIST), {"q": "5678"})
    assert page.context["search_kind"] == "phone_last4"
    assert [c.pk for c in page.context["page"]] == [mine.pk]


def test_search_by_credit_code_runs_on_its_token(as_user, rm_a):
    institution = InstitutionFactory(owner=rm_a)
    client = as_user(rm_a)
    response = client.post(reverse(LIST), {"q": institution.uscc})
    assert institution.uscc not in response["Location"]
    page = client.get(response["Location"])
    assert page.context["search_kind"] == "uscc"
    assert [c.pk for c in page.context["page"]] == [institution.pk]


def test_a_free_text_search_replaces_the_token(as_user, rm_a, mine):
    token = search_token(ID_NUMBER, ID)
    response = as_user(rm_a).post(reverse(LIST), {"q": "zw", "qk": token})
    assert response.status_code == 303
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query == {"q": ["zw"]}


def test_a_damaged_token_gets_a_message_not_a_500(as_user, rm_a, mine):
    response = as_user(rm_a).get(reverse(LIST), {"qk": "k:id:not-a-hash"})
    assert response.status_code == 200
    errors = response.context["filter"].form.errors["qk"]
    assert errors and errors[0] in response.content.decode()


def test_saved_view_keeps_the_token_only(as_user, rm_a, mine):
    client = as_user(rm_a)
    response = client.post(
        reverse("ui:saved-view-create"),
        {"list": LIST, "name": "张伟", "query": f"q={ID}&tier=A"},
    )
    saved = SavedView.objects.get(owner=rm_a)
    assert ID not in saved.query and ID not in response["Location"]
    assert parse_qs(saved.query) == {"qk": [search_token(ID_NUMBER, ID)], "tier": ["A"]}


def test_masked_export_audits_the_token(as_user, rm_a, mine):
    response = as_user(rm_a).get(reverse("customers:customer-export"), {"q": ID})
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="customer.exported")
    assert entry.after["filters"] == {"qk": search_token(ID_NUMBER, ID)}
    assert entry.after["rows"] == 1


def test_pii_export_of_an_id_search_keeps_the_token_and_still_finds_the_customer(
    as_user, rm_a, lead, mine, theirs
):
    client = as_user(rm_a)
    client.post(reverse("customers:pii-export-request"), {"f_q": ID, "reason": "核对身份"})
    export = PiiExport.objects.get()
    token = search_token(ID_NUMBER, ID)
    assert export.filters == {"qk": token}
    assert export.approval.payload == {"filters": {"qk": token}}
    requested = AuditEntry.objects.get(action="approval.requested")
    assert ID not in str(requested.after)
    approval_decide(lead, export.approval_id, approve=True)
    response = client.post(reverse("customers:pii-export-download", args=[export.pk]))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and ID in rows[1] and "13812345678" in rows[1]


def test_mobile_and_email_are_encrypted_at_rest(mine):
    InstitutionContact.objects.create(
        customer=InstitutionFactory(owner=mine.owner),
        name="周明",
        role="finance",
        mobile="13900001111",
        email="zhou@example.cn",
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Customer._meta.db_table} WHERE id = %s", [mine.pk])
        customer_row = " ".join(str(v) for v in cursor.fetchone())
        cursor.execute(f"SELECT * FROM {InstitutionContact._meta.db_table}")
        contact_row = " ".join(str(v) for v in cursor.fetchone())
    assert "13812345678" not in customer_row and mine.email not in customer_row
    assert "13900001111" not in contact_row and "zhou@example.cn" not in contact_row
    fresh = Customer.objects.get(pk=mine.pk)
    assert fresh.mobile == "13812345678" and fresh.mobile_masked == "138****5678"
    assert fresh.mobile_hash == crypto.lookup_hash("13812345678")
    contact = InstitutionContact.objects.get()
    assert contact.mobile == "13900001111" and contact.mobile_masked == "139****1111"


def test_edit_changes_the_encrypted_mobile_and_audits_it_masked(as_user, rm_a, mine):
    client = as_user(rm_a)
    data = {
        "name": mine.name,
        "id_type": "resident_id",
        "mobile": "13700001234",
        "email": "",
        "address": "",
        "occupation": "",
        "gender": "",
        "birth_date": mine.birth_date.isoformat(),
        "id_expires_on": "",
        "legal_representative": "",
        "institution_type": "",
        "uscc": "",
        "id_number": "",
    }
    response = client.post(reverse("customers:customer-edit", args=[mine.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    mine.refresh_from_db()
    assert mine.mobile == "13700001234" and mine.mobile_hash == crypto.lookup_hash("13700001234")
    assert mine.email.startswith("customer")  # left empty: kept
    entry = AuditEntry.objects.get(action="customer.changed")
    assert entry.after == {"mobile": "137****1234"}


def test_list_page_shows_masked_mobiles_without_decrypting(as_user, rm_a, mine):
    CustomerFactory.create_batch(3, owner=rm_a)
    body = as_user(rm_a).get(reverse(LIST)).content.decode()
    assert "138****5678" in body and "13812345678" not in body


def _upload(client, rows, name="c.csv"):
    import csv

    from django.core.files.uploadedfile import SimpleUploadedFile

    out = io.StringIO()
    csv.writer(out).writerows([["number", "kind", "name", "id_number", "mobile", "email"], *rows])
    upload = SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")
    client.post(reverse("customers:import-upload"), {"file": upload})
    return CustomerImport.objects.latest("pk")


@pytest.mark.parametrize("step", ["confirm", "cancel"])
def test_staged_rows_hold_no_clear_values_and_keep_only_the_sample_once_done(as_user, rm_a, step):
    client = as_user(rm_a)
    staged = _upload(client, [["N1", "individual", "张伟", ID, "13812345678", "zw@example.cn"]])
    pending = json.dumps(staged.valid_rows)
    assert "13812345678" not in pending and "zw@example.cn" not in pending and ID not in pending
    client.post(reverse(f"customers:import-{step}", args=[staged.pk]))
    staged.refresh_from_db()
    assert staged.valid_rows == [{"row": 2, "number": "N1", "name": "张伟", "kind": "individual"}]
    if step == "confirm":
        customer = Customer.objects.get(number="N1")
        assert customer.mobile == "13812345678" and customer.email == "zw@example.cn"
        assert customer.mobile_last4_hash == crypto.lookup_hash("5678")


def test_an_id_number_in_the_wrong_column_is_masked_in_the_error_report(as_user, rm_a):
    staged = _upload(as_user(rm_a), [["N2", ID, "王芳", "", "", ""]])  # in the kind column
    assert [e["column"] for e in staged.errors] == ["kind"]
    assert staged.errors[0]["value"] == "110***********002X"
