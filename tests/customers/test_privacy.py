import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from crm.audit.models import AuditEntry
from customers.records.services import customer_reveal_pii

pytestmark = pytest.mark.django_db


def test_list_and_360_show_pii_masked(as_user, rm_a, mine):
    client = as_user(rm_a)
    listing = client.get(reverse("customers:customer-list")).content.decode()
    assert "138****5678" in listing and "13812345678" not in listing
    page = client.get(reverse("customers:customer-detail", args=[mine.pk])).content.decode()
    assert "138****5678" in page and "13812345678" not in page
    assert "110***********002X" in page and "11010519491231002X" not in page
    assert mine.email not in page


def test_id_number_is_stored_encrypted_with_hash(mine):
    mine.refresh_from_db()
    assert "11010519491231002X" not in mine.id_number_encrypted
    assert mine.decrypted_id_number() == "11010519491231002X"
    assert len(mine.id_number_hash) == 64


def test_reveal_asks_for_purpose_then_shows_value_once_and_audits(as_user, rm_a, mine):
    client = as_user(rm_a)
    url = reverse("customers:customer-reveal", args=[mine.pk, "mobile"])
    form = client.get(url, HTTP_HX_REQUEST="true")
    assert 'name="purpose"' in form.content.decode()
    assert "13812345678" not in form.content.decode()
    response = client.post(url, {"purpose": "客户来电核实转账"}, HTTP_HX_REQUEST="true")
    assert "13812345678" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="customer.pii_revealed")
    assert entry.actor == rm_a
    assert entry.target_id == str(mine.pk)
    assert entry.purpose == "客户来电核实转账"
    assert entry.after == {"field": "mobile"}
    # The next page load is masked again.
    page = client.get(reverse("customers:customer-detail", args=[mine.pk])).content.decode()
    assert "13812345678" not in page


def test_reveal_without_purpose_shows_nothing_and_writes_nothing(as_user, rm_a, mine):
    client = as_user(rm_a)
    url = reverse("customers:customer-reveal", args=[mine.pk, "id_number"])
    response = client.post(url, {"purpose": ""}, HTTP_HX_REQUEST="true")
    assert "11010519491231002X" not in response.content.decode()
    assert not AuditEntry.objects.filter(action="customer.pii_revealed").exists()


def test_reveal_id_number_decrypts(rm_a, mine):
    assert customer_reveal_pii(rm_a, mine, "id_number", purpose="开户复核") == "11010519491231002X"


def test_auditor_cannot_reveal(as_user, auditor_user, mine):
    client = as_user(auditor_user)
    response = client.post(
        reverse("customers:customer-reveal", args=[mine.pk, "mobile"]), {"purpose": "查看"}
    )
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="customer.pii_revealed").exists()


def test_masked_export_is_masked_and_audited(as_user, rm_a, mine):
    client = as_user(rm_a)
    response = client.get(reverse("customers:customer-export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [str(v) for row in sheet.iter_rows(values_only=True) for v in row]
    assert "138****5678" in values
    assert "13812345678" not in values and "11010519491231002X" not in values
    assert AuditEntry.objects.filter(action="customer.exported", actor=rm_a).exists()


def test_admin_shows_pii_masked(client, django_user_model, mine):
    admin = django_user_model.objects.create_superuser("root", "root@example.invalid", "x")
    client.force_login(admin)
    listing = client.get(reverse("admin:customers_customer_changelist")).content.decode()
    assert "138****5678" in listing and "13812345678" not in listing
    change = client.get(reverse("admin:customers_customer_change", args=[mine.pk])).content
    assert b"13812345678" not in change
    assert mine.id_number_encrypted.encode() not in change
