"""Issue 15 item 2: a prospect's contact details are kept encrypted, shown masked, and shown in
clear only to a user in scope who states a purpose (audited)."""

import pytest
from django.db import connection
from django.urls import reverse

from crm.accounts import roles
from crm.audit.models import AuditEntry
from customers.sales.models import Prospect
from tests.factories import UserFactory

from .factories import ProspectFactory

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def test_contact_is_stored_encrypted_and_shown_masked(client, rm_a):
    prospect = ProspectFactory(owner=rm_a, contact=PHONE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM customers_prospect WHERE id = %s", [prospect.pk])
        assert PHONE not in str(cursor.fetchall())
    assert Prospect.objects.get().contact == PHONE
    client.force_login(rm_a)
    page = client.get(reverse("customers:prospect-detail", args=[prospect.pk])).content.decode()
    assert "139****5678" in page and PHONE not in page


def test_the_form_stores_the_contact_encrypted(client, rm_a):
    client.force_login(rm_a)
    response = client.post(
        reverse("customers:prospect-create"),
        {
            "name": "周建华",
            "kind": "individual",
            "source": "walk_in",
            "owner": rm_a.pk,
            "expected_aum": "3000000",
            "contact": f" {PHONE} ",
        },
    )
    assert response.status_code == 302
    prospect = Prospect.objects.get()
    assert (prospect.contact, prospect.contact_masked) == (PHONE, "139****5678")


def test_reveal_needs_a_purpose_and_is_audited(client, rm_a):
    prospect = ProspectFactory(owner=rm_a, contact=PHONE)
    client.force_login(rm_a)
    url = reverse("customers:prospect-contact-reveal", args=[prospect.pk])
    assert PHONE not in client.get(url).content.decode()
    refused = client.post(url, {"purpose": " "})
    assert refused.status_code == 200 and PHONE not in refused.content.decode()
    assert not AuditEntry.objects.filter(action="prospect.contact_revealed").exists()
    shown = client.post(url, {"purpose": "约见面谈"})
    assert PHONE in shown.content.decode() and shown["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="prospect.contact_revealed")
    assert (entry.actor, entry.purpose, entry.target_id) == (rm_a, "约见面谈", str(prospect.pk))


def test_reveal_outside_the_scope_is_404(client, rm_a, rm_b):
    prospect = ProspectFactory(owner=rm_a, contact=PHONE)
    client.force_login(rm_b)
    url = reverse("customers:prospect-contact-reveal", args=[prospect.pk])
    assert client.post(url, {"purpose": "约见面谈"}).status_code == 404
    assert not AuditEntry.objects.filter(action="prospect.contact_revealed").exists()


def test_admin_shows_the_contact_masked_only(client, rm_a):
    admin = UserFactory(role=roles.ADMINISTRATOR, is_staff=True, is_superuser=True)
    prospect = ProspectFactory(owner=rm_a, contact=PHONE)
    client.force_login(admin)
    url = reverse("admin:customers_prospect_change", args=[prospect.pk])
    page = client.get(url).content.decode()
    assert "139****5678" in page and PHONE not in page
