"""The approved-download flow both exports share (crm.core.downloads), on the PII export
(the fixtures are the customer tests' rm_a, rm_b and their team lead)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from crm.audit.models import AuditEntry
from crm.core import downloads
from crm.core.approvals import decide
from customers.records.models import PiiExport
from customers.records.services import PII_EXPORT_KIND

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def pending(rm_a):
    return downloads.request_download(
        PiiExport, rm_a, PII_EXPORT_KIND, summary="s", reason="监管报送", filters={"q": "zw"}
    )


def _take(user, export):
    return downloads.take_download(PiiExport, user, export.pk, action="test.downloaded")


def test_request_creates_the_approval_and_the_export_together(pending):
    assert pending.approval.kind == PII_EXPORT_KIND
    assert pending.approval.payload == {"filters": {"q": "zw"}}
    assert pending.available_until is None


def test_unapproved_export_is_refused_and_nothing_is_recorded(rm_a, pending):
    with pytest.raises(ValidationError, match="not been approved"):
        _take(rm_a, pending)
    pending.refresh_from_db()
    assert pending.downloaded_at is None
    assert not AuditEntry.objects.filter(action="test.downloaded").exists()


def test_approved_export_downloads_once_with_its_audit_row(rm_a, lead, pending):
    decide(lead, pending.approval_id, approve=True)
    taken = _take(rm_a, pending)
    assert taken.downloaded_at is not None
    entry = AuditEntry.objects.get(action="test.downloaded")
    assert entry.purpose == "监管报送"
    assert entry.after == {"filters": {"q": "zw"}, "approval": pending.approval_id}
    with pytest.raises(ValidationError, match="already been downloaded"):
        _take(rm_a, pending)
    assert AuditEntry.objects.filter(action="test.downloaded").count() == 1


def test_closed_window_is_refused(rm_a, lead, pending):
    decide(lead, pending.approval_id, approve=True)
    PiiExport.objects.filter(pk=pending.pk).update(
        available_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    with pytest.raises(ValidationError, match="window"):
        _take(rm_a, pending)


def test_someone_elses_export_does_not_exist_for_them(rm_b, lead, pending):
    decide(lead, pending.approval_id, approve=True)
    with pytest.raises(PiiExport.DoesNotExist):
        _take(rm_b, pending)
