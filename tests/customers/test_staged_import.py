"""The staged-import mechanism (crm.core.imports), on the customer import: file-level refusals
land on the file field, imports are their uploader's only, a confirmation happens once and a
cancelled import cannot be confirmed. The signal import uses the same pages."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from crm.audit.models import AuditEntry
from crm.core import imports
from crm.core.access import NotFound
from customers.records.models import Customer, CustomerImport
from customers.records.transfers import (
    CUSTOMER_IMPORT,
    customer_import_cancel,
    customer_import_confirm,
    customer_import_stage,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _csv(rows):
    out = io.StringIO()
    csv.writer(out).writerows([["number", "kind", "name", "uscc"], *rows])
    return SimpleUploadedFile("c.csv", out.getvalue().encode(), content_type="text/csv")


def _one():
    from tests.factories import make_uscc

    return _csv([["S0001", "institution", "华信信托有限公司", make_uscc(3)]])


def test_a_file_level_refusal_belongs_to_the_file_field(rm_a):
    with pytest.raises(ValidationError) as caught:
        customer_import_stage(rm_a, SimpleUploadedFile("x.pdf", b"%PDF"))
    assert set(caught.value.error_dict) == {"file"}
    assert not CustomerImport.objects.exists()


def test_upload_page_shows_the_refusal_on_the_form(as_user, rm_a):
    response = as_user(rm_a).post(
        reverse("customers:import-upload"),
        {"file": SimpleUploadedFile("x.pdf", b"%PDF")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Please upload a .csv or .xlsx file." in response.content.decode()


def test_someone_elses_import_is_not_found(as_user, rm_a, rm_b):
    staged = customer_import_stage(rm_a, _one())
    with pytest.raises(NotFound):
        imports.access_staged_import(CUSTOMER_IMPORT, rm_b, staged.pk)
    client = as_user(rm_b)
    for step in ("import-preview", "import-errors"):
        assert client.get(reverse(f"customers:{step}", args=[staged.pk])).status_code == 404
    for step in ("import-confirm", "import-cancel"):
        assert client.post(reverse(f"customers:{step}", args=[staged.pk])).status_code == 404
    assert CustomerImport.objects.get().status == CustomerImport.Status.PENDING


def test_confirmed_once_and_audited(rm_a):
    staged = customer_import_stage(rm_a, _one())
    assert AuditEntry.objects.filter(action="customer_import.staged").count() == 1
    customer_import_confirm(rm_a, staged)
    with pytest.raises(ValidationError, match="already been confirmed"):
        customer_import_confirm(rm_a, staged)
    assert Customer.objects.count() == 1
    entry = AuditEntry.objects.get(action="customer_import.confirmed")
    assert entry.after["created"] == 1 and entry.after["numbers"] == ["S0001"]


def test_cancelled_import_cannot_be_confirmed(as_user, rm_a):
    staged = customer_import_stage(rm_a, _one())
    customer_import_cancel(rm_a, staged)
    customer_import_cancel(rm_a, staged)  # a second cancel changes nothing
    assert AuditEntry.objects.filter(action="customer_import.cancelled").count() == 1
    response = as_user(rm_a).post(
        reverse("customers:import-confirm", args=[staged.pk]),
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "already been confirmed or cancelled" in response.content.decode()
    assert not Customer.objects.exists()


def test_auditor_cannot_open_the_import_pages(as_user):
    from crm.accounts import roles
    from tests.factories import UserFactory

    client = as_user(UserFactory(role=roles.AUDITOR))
    assert client.get(reverse("customers:import-upload")).status_code == 403
    assert client.get(reverse("compliance:signal-import-upload")).status_code == 403
