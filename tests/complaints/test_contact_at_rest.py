"""Issue 15 item 2: the complainant's contact is kept encrypted, matched by keyed hash for the
duplicate check at intake, shown masked, and revealed in clear only with a purpose (audited)."""

import pytest
from django.db import connection
from django.urls import reverse

from complaints import selectors
from complaints.models import Complaint
from crm.accounts import roles
from crm.audit.models import AuditEntry
from tests.factories import UserFactory

from .factories import codes, make_complaint

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def _raw_row(pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM complaints_complaint WHERE id = %s", [pk])
        return str(cursor.fetchall())


def test_contact_is_stored_encrypted_with_a_masked_copy(rm):
    c = make_complaint(rm, intake="counter", complainant_contact=f" {PHONE} ")
    assert PHONE not in _raw_row(c.pk)
    c = Complaint.objects.get(pk=c.pk)
    assert c.complainant_contact == PHONE
    assert c.complainant_contact_masked == "138****5678"


def test_an_address_is_masked_past_its_first_characters(rm):
    c = make_complaint(rm, intake="counter", complainant_contact="北京市朝阳区建国路88号")
    assert "建国路" not in _raw_row(c.pk)
    assert c.complainant_contact_masked.startswith("北京市朝")
    assert "建国路" not in c.complainant_contact_masked


def test_duplicate_check_matches_the_contact_by_its_hash(rm):
    first = make_complaint(rm, intake="counter", complainant_contact=PHONE)
    channel, category, cause = codes()
    common = {"complainant_name": "钱先生", "business_category": category, "cause": cause}
    # The same number written another way still matches; another number does not.
    same = selectors.complaint_duplicates(rm, complainant_contact="+86 138 1234 5678", **common)
    assert [d.pk for d in same] == [first.pk]
    assert selectors.complaint_duplicates(rm, complainant_contact="13900000000", **common) == []


def test_the_page_shows_the_contact_masked(client, rm):
    c = make_complaint(rm, intake="counter", complainant_contact=PHONE)
    client.force_login(rm)
    page = client.get(reverse("complaints:complaint-detail", args=[c.pk])).content.decode()
    assert "138****5678" in page and PHONE not in page
    assert reverse("complaints:complaint-contact-reveal", args=[c.pk]) in page
    assert "查看明文" in page  # the reveal button, in Chinese


def test_reveal_needs_a_purpose_and_is_audited(client, rm):
    c = make_complaint(rm, intake="counter", complainant_contact=PHONE)
    client.force_login(rm)
    url = reverse("complaints:complaint-contact-reveal", args=[c.pk])
    asked = client.get(url).content.decode()
    assert PHONE not in asked and "确认查看" in asked
    refused = client.post(url, {"purpose": ""})
    assert refused.status_code == 200 and PHONE not in refused.content.decode()
    assert not AuditEntry.objects.filter(action="complaint.contact_revealed").exists()
    shown = client.post(url, {"purpose": "回电核实诉求"})
    assert PHONE in shown.content.decode() and shown["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="complaint.contact_revealed")
    assert (entry.actor, entry.purpose, entry.target_id) == (rm, "回电核实诉求", str(c.pk))
    assert PHONE not in str(entry.after)


def test_reveal_outside_the_scope_is_404(client, rm, other_rm):
    c = make_complaint(rm, intake="counter", complainant_contact=PHONE)
    client.force_login(other_rm)
    url = reverse("complaints:complaint-contact-reveal", args=[c.pk])
    assert client.post(url, {"purpose": "回电"}).status_code == 404
    assert not AuditEntry.objects.filter(action="complaint.contact_revealed").exists()


def test_admin_shows_the_contact_masked_only(client, rm):
    admin = UserFactory(role=roles.ADMINISTRATOR, is_staff=True, is_superuser=True)
    c = make_complaint(rm, intake="counter", complainant_contact=PHONE)
    client.force_login(admin)
    page = client.get(reverse("admin:complaints_complaint_change", args=[c.pk])).content.decode()
    assert "138****5678" in page
    assert PHONE not in page and c.complainant_contact_encrypted not in page
