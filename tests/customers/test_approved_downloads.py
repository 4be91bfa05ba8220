"""The approved-download flow both exports share (crm.core.downloads), on the PII export
(the fixtures are the customer tests' rm_a, rm_b and their team lead)."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from openpyxl import load_workbook

from crm.accounts import roles
from crm.audit.models import AuditEntry
from crm.core import downloads
from crm.core.access import NotFound
from crm.core.approvals import approval_decide
from customers.records.models import PiiExport
from customers.records.transfers import PII_EXPORT
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def pending(rm_a):
    return downloads.download_request(PII_EXPORT, rm_a, {"q": "zw"}, reason="监管报送")


def _take(user, export):
    return downloads.download_take(PII_EXPORT, user, export)


def test_request_creates_the_approval_and_the_export_together(pending):
    assert pending.approval.kind == PII_EXPORT.key
    assert pending.approval.payload == {"filters": {"q": "zw"}}
    assert pending.available_until is None


def test_request_needs_the_kinds_permission():
    auditor = UserFactory(role=roles.AUDITOR)
    with pytest.raises(PermissionDenied):
        downloads.download_request(PII_EXPORT, auditor, {}, reason="x")
    assert not PiiExport.objects.exists()


def test_unapproved_export_is_refused_and_nothing_is_recorded(rm_a, pending):
    with pytest.raises(ValidationError, match="not been approved"):
        _take(rm_a, pending)
    pending.refresh_from_db()
    assert pending.downloaded_at is None
    assert not AuditEntry.objects.filter(action="pii_export.downloaded").exists()


def test_approved_export_downloads_once_with_its_audit_row(rm_a, lead, pending, mine):
    approval_decide(lead, pending.approval_id, approve=True)
    data, name = _take(rm_a, pending)
    assert name.startswith("customers-unmasked-") and name.endswith(".xlsx")
    assert load_workbook(io.BytesIO(data)).active.max_row >= 1
    pending.refresh_from_db()
    assert pending.downloaded_at is not None
    entry = AuditEntry.objects.get(action="pii_export.downloaded")
    assert entry.purpose == "监管报送"
    assert entry.after == {"filters": {"q": "zw"}, "approval": pending.approval_id}
    with pytest.raises(ValidationError, match="already been downloaded"):
        _take(rm_a, pending)
    assert AuditEntry.objects.filter(action="pii_export.downloaded").count() == 1


def test_closed_window_is_refused(rm_a, lead, pending):
    approval_decide(lead, pending.approval_id, approve=True)
    PiiExport.objects.filter(pk=pending.pk).update(
        available_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    with pytest.raises(ValidationError, match="window"):
        _take(rm_a, pending)


def test_someone_elses_export_does_not_exist_for_them(rm_b, lead, pending):
    approval_decide(lead, pending.approval_id, approve=True)
    with pytest.raises(NotFound):
        downloads.access_download(PII_EXPORT, rm_b, pending.pk)
    with pytest.raises(NotFound):
        _take(rm_b, pending)
