"""Risk assessments: at most 2 a day and 8 in 12 months, audited, scoped (DESIGN §5.1)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from crm.accounts import roles
from crm.audit.models import AuditEntry
from crm.core.access import NotFound
from customers.records.assessments import risk_assessment_create
from customers.records.models import RiskAssessment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_recording_sets_the_class_and_is_audited(rm_a, mine):
    assessment = risk_assessment_create(rm_a, mine, risk_class="C4", score=72)
    mine.refresh_from_db()
    assert (mine.risk_class, mine.risk_assessed_on) == ("C4", timezone.localdate())
    assert assessment.valid_until == timezone.localdate() + datetime.timedelta(days=365)
    entry = AuditEntry.objects.get(action="customer.risk_assessed")
    assert entry.after["risk_class"] == "C4" and entry.actor == rm_a


def test_at_most_two_a_day(rm_a, mine):
    now = timezone.now()
    risk_assessment_create(rm_a, mine, risk_class="C2", now=now)
    risk_assessment_create(rm_a, mine, risk_class="C3", now=now)
    with pytest.raises(ValidationError, match="2"):
        risk_assessment_create(rm_a, mine, risk_class="C4", now=now)
    assert RiskAssessment.objects.filter(customer=mine).count() == 2
    mine.refresh_from_db()
    assert mine.risk_class == "C3"  # the refused one changed nothing
    risk_assessment_create(rm_a, mine, risk_class="C4", now=now + datetime.timedelta(days=1))


def test_at_most_eight_in_twelve_months(rm_a, mine):
    start = timezone.now() - datetime.timedelta(days=300)
    for week in range(8):
        risk_assessment_create(
            rm_a, mine, risk_class="C3", now=start + datetime.timedelta(weeks=week * 4)
        )
    with pytest.raises(ValidationError, match="8"):
        risk_assessment_create(rm_a, mine, risk_class="C3")
    # Once the oldest falls out of the 12 months, a new one is allowed again.
    risk_assessment_create(rm_a, mine, risk_class="C3", now=start + datetime.timedelta(days=366))


def test_unknown_class_refused(rm_a, mine):
    with pytest.raises(ValidationError):
        risk_assessment_create(rm_a, mine, risk_class="C9")
    assert not RiskAssessment.objects.exists()


def test_outside_the_book_and_read_only_users(rm_b, mine, as_user):
    with pytest.raises(NotFound):
        risk_assessment_create(rm_b, mine, risk_class="C2")
    auditor = UserFactory(role=roles.AUDITOR)
    with pytest.raises(PermissionDenied):
        risk_assessment_create(auditor, mine, risk_class="C2")
    response = as_user(rm_b).post(reverse("customers:assessment-create", args=[mine.pk]), {})
    assert response.status_code == 404


def test_view_records_and_shows_the_limit_message(as_user, rm_a, mine):
    client = as_user(rm_a)
    url = reverse("customers:assessment-create", args=[mine.pk])
    for risk_class in ("C2", "C3"):
        assert client.post(url, {"risk_class": risk_class, "score": "50"}).status_code == 302
    page = client.post(url, {"risk_class": "C5"}, follow=True).content.decode()
    assert "同一客户每天最多进行 2 次风险测评。" in page
    assert RiskAssessment.objects.filter(customer=mine).count() == 2
    assert 'id="assessment-form"' in page
