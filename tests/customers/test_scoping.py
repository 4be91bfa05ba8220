"""An RM cannot list, open, search, export or reveal another RM's customer: 404 / absent."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from crm.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_list_shows_only_own_book(as_user, rm_a, mine, theirs):
    body = as_user(rm_a).get(reverse("customers:customer-list")).content.decode()
    assert mine.number in body
    assert theirs.number not in body


@pytest.mark.parametrize("q", ["王芳", "wf", "wangfang", "4321"])
def test_search_never_finds_another_rms_customer(as_user, rm_a, mine, theirs, q):
    body = as_user(rm_a).get(reverse("customers:customer-list"), {"q": q}).content.decode()
    assert theirs.number not in body


def test_search_by_number_of_another_rms_customer_finds_nothing(as_user, rm_a, theirs):
    body = (
        as_user(rm_a).get(reverse("customers:customer-list"), {"q": theirs.number}).content.decode()
    )
    assert reverse("customers:customer-detail", args=[theirs.pk]) not in body


@pytest.mark.parametrize(
    "name,extra",
    [
        ("customers:customer-detail", []),
        ("customers:customer-edit", []),
        ("customers:customer-chart", []),
        ("customers:customer-reassign", []),
        ("customers:customer-reveal", ["mobile"]),
        ("customers:customer-inline-edit", ["occupation"]),
    ],
)
def test_other_rms_customer_pages_answer_404(as_user, rm_a, theirs, name, extra):
    response = as_user(rm_a).get(reverse(name, args=[theirs.pk, *extra]))
    assert response.status_code == 404


def test_reveal_post_on_other_rms_customer_is_404_and_not_audited(as_user, rm_a, theirs):
    url = reverse("customers:customer-reveal", args=[theirs.pk, "mobile"])
    response = as_user(rm_a).post(url, {"purpose": "好奇"})
    assert response.status_code == 404
    assert b"13987654321" not in response.content
    assert not AuditEntry.objects.filter(action="customer.pii_revealed").exists()


def test_export_contains_only_own_book(as_user, rm_a, mine, theirs):
    response = as_user(rm_a).get(reverse("customers:customer-export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    numbers = {row[0] for row in sheet.iter_rows(values_only=True)}
    assert mine.number in numbers
    assert theirs.number not in numbers


def test_team_lead_sees_the_team(as_user, lead, mine, theirs):
    body = as_user(lead).get(reverse("customers:customer-list")).content.decode()
    assert mine.number in body and theirs.number in body


def test_compliance_sees_all_but_masked(as_user, compliance_user, mine, theirs):
    body = as_user(compliance_user).get(reverse("customers:customer-list")).content.decode()
    assert mine.number in body and theirs.number in body
    assert "13987654321" not in body


def test_admin_changelist_is_scoped_for_non_superusers(client, rm_a, mine, theirs):
    rm_a.is_staff = True
    rm_a.save()
    from django.contrib.auth.models import Permission

    rm_a.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(rm_a)
    body = client.get(reverse("admin:customers_customer_changelist")).content.decode()
    assert mine.number in body
    assert theirs.number not in body
    response = client.get(reverse("admin:customers_customer_change", args=[theirs.pk]))
    assert response.status_code in (302, 404)
