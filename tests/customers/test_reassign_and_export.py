import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from openpyxl import load_workbook

from crm.accounts import roles
from crm.audit.models import AuditEntry
from crm.core.approvals import approval_decide
from customers.records.models import Customer, PiiExport
from customers.records.services import customer_reassign, customers_reassign
from tests.factories import CustomerFactory, UserFactory, make_uscc

pytestmark = pytest.mark.django_db


def test_team_lead_bulk_reassigns_with_reason_and_audit(as_user, lead, rm_a, rm_b, mine):
    other = CustomerFactory(owner=rm_a)
    client = as_user(lead)
    response = client.post(
        reverse("ui:bulk-run"),
        {
            "list": "customers:customer-list",
            "action": "reassign",
            "ids": [mine.pk, other.pk],
            "reassign-owner": rm_b.pk,
            "reassign-reason": "客户经理调岗",
        },
    )
    assert response.status_code == 302
    assert set(Customer.objects.values_list("owner", flat=True)) == {rm_b.pk}
    entries = AuditEntry.objects.filter(action="customer.reassigned")
    assert entries.count() == 2
    assert {e.purpose for e in entries} == {"客户经理调岗"}


def test_reassignment_needs_a_reason(lead, rm_b, mine):
    with pytest.raises(ValidationError):
        customer_reassign(lead, mine, rm_b, reason=" ")


def test_new_owner_must_be_in_the_acting_users_scope(lead, mine):
    outsider = UserFactory(role=roles.RELATIONSHIP_MANAGER)  # another branch and team
    with pytest.raises(ValidationError):
        customers_reassign(lead, [mine.pk], outsider, reason="调整")
    assert Customer.objects.get(pk=mine.pk).owner_id == mine.owner_id


def test_rm_cannot_reassign(rm_a, rm_b, mine):
    with pytest.raises(PermissionDenied):
        customer_reassign(rm_a, mine, rm_b, reason="想给同事")


def test_bulk_reassign_outside_scope_is_refused_all_or_nothing(as_user, lead, rm_b, mine):
    outsider_customer = CustomerFactory()
    response = as_user(lead).post(
        reverse("ui:bulk-run"),
        {
            "list": "customers:customer-list",
            "action": "reassign",
            "ids": [mine.pk, outsider_customer.pk],
            "reassign-owner": rm_b.pk,
            "reassign-reason": "调整",
        },
        follow=True,
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert "1" in str(list(response.context["messages"])[0])
    assert Customer.objects.get(pk=mine.pk).owner_id != rm_b.pk
    assert not AuditEntry.objects.filter(action="customer.reassigned").exists()


def test_unmasked_export_needs_four_eyes_and_downloads_once(as_user, client, rm_a, lead, mine):
    client = as_user(rm_a)
    client.post(
        reverse("customers:pii-export-request"), {"f_q": "zw", "reason": "监管报送需要完整手机号"}
    )
    export = PiiExport.objects.get()
    assert export.filters == {"q": "zw"}
    download = reverse("customers:pii-export-download", args=[export.pk])
    assert client.post(download).status_code == 302  # not approved yet: no file
    with pytest.raises(PermissionDenied):
        approval_decide(rm_a, export.approval_id, approve=True)  # no self-approval
    approval_decide(lead, export.approval_id, approve=True)
    response = client.post(download)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [str(v) for row in sheet.iter_rows(values_only=True) for v in row]
    assert "13812345678" in values and "11010519491231002X" in values
    assert AuditEntry.objects.filter(action="pii_export.downloaded").count() == 1
    again = client.post(download)
    assert again.status_code == 302  # once only
    assert AuditEntry.objects.filter(action="pii_export.downloaded").count() == 1


def test_someone_elses_export_is_404(as_user, rm_a, rm_b, lead, mine):
    as_user(rm_a).post(reverse("customers:pii-export-request"), {"reason": "报送"})
    export = PiiExport.objects.get()
    approval_decide(lead, export.approval_id, approve=True)
    response = as_user(rm_b).post(reverse("customers:pii-export-download", args=[export.pk]))
    assert response.status_code == 404


def test_rm_cannot_approve_exports(rm_a, rm_b):
    assert not rm_a.has_perm("customers.approve_pii_export")
    assert rm_a.has_perm("customers.reveal_pii")


def test_database_rejects_duplicates(rm_a):
    CustomerFactory(owner=rm_a, number="C1", id_number="11010519491231002X")
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerFactory(owner=rm_a, number="C1")
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerFactory(owner=rm_a, number="C2", id_number="11010519491231002x")
    from tests.factories import InstitutionFactory

    InstitutionFactory(owner=rm_a, uscc=make_uscc(1))
    with pytest.raises(IntegrityError), transaction.atomic():
        InstitutionFactory(owner=rm_a, uscc=make_uscc(1))


def test_create_form_validates_and_encrypts(as_user, rm_a):
    client = as_user(rm_a)
    data = {
        "number": "c9001",
        "kind": "individual",
        "name": "周明",
        "id_type": "resident_id",
        "id_number": "110105194912310021",
        "mobile": "13812345678",
        "owner": rm_a.pk,
    }
    response = client.post(reverse("customers:customer-create"), data)
    assert response.status_code == 200 and not Customer.objects.exists()
    assert response.context["form"].errors["id_number"]
    data["id_number"] = "11010519491231002x"
    response = client.post(reverse("customers:customer-create"), data)
    customer = Customer.objects.get()
    assert customer.number == "C9001"
    assert customer.decrypted_id_number() == "11010519491231002X"
    assert str(customer.birth_date) == "1949-12-31"
    assert AuditEntry.objects.filter(action="customer.created").exists()


def test_inline_edit_is_audited(as_user, rm_a, mine):
    client = as_user(rm_a)
    url = reverse("customers:customer-inline-edit", args=[mine.pk, "occupation"])
    response = client.post(url, {"occupation": "医生"}, HTTP_HX_REQUEST="true")
    assert "医生" in response.content.decode()
    mine.refresh_from_db()
    assert mine.occupation == "医生"
    entry = AuditEntry.objects.get(action="customer.changed")
    assert entry.after == {"occupation": "医生"}


def test_demo_seeder_is_idempotent(db):
    from io import StringIO

    from crm.accounts.demo import seed_organisation
    from customers.records.demo import seed_customers
    from customers.records.models import MonthlyAggregate
    from customers.records.validators import validate_resident_id, validate_uscc

    users = seed_organisation(StringIO())
    seed_customers(stdout=StringIO(), customers=12, users=users)
    counts = (Customer.objects.count(), MonthlyAggregate.objects.count())
    seed_customers(stdout=StringIO(), customers=12, users=users)
    assert (Customer.objects.count(), MonthlyAggregate.objects.count()) == counts
    # 12 customers, each with up to 13 months of figures (fewer if they joined since).
    assert counts[0] == 12 and 12 <= counts[1] <= 156
    for customer in Customer.objects.all():
        if customer.uscc:
            validate_uscc(customer.uscc)
        else:
            validate_resident_id(customer.decrypted_id_number())
