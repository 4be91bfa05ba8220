"""Targets: database constraints, the audited service, the admin form."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from crm.audit.models import AuditEntry
from crm.performance.admin import TargetForm
from crm.performance.models import Target
from crm.performance.periods import Period
from crm.performance.services import set_target
from tests.factories import TeamFactory, rm

from .factories import TargetFactory

pytestmark = pytest.mark.django_db


def _refused(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        TargetFactory(**fields)


def test_one_target_per_subject_metric_and_quarter():
    user = rm()
    TargetFactory(user=user, year=2025, quarter=2)
    _refused(user=user, year=2025, quarter=2)
    TargetFactory(user=user, year=2025, quarter=3)  # another quarter
    TargetFactory(user=user, year=2025, quarter=2, metric_key="aum_growth")  # another metric
    TargetFactory(user=rm(), year=2025, quarter=2)  # another person


def test_one_yearly_target_per_subject_and_metric_despite_null_quarter():
    user, team = rm(), TeamFactory()
    TargetFactory(user=user, year=2025, quarter=None)
    _refused(user=user, year=2025, quarter=None)
    TargetFactory(team=team, year=2025, quarter=None)
    _refused(team=team, year=2025, quarter=None)
    TargetFactory(user=user, year=2026, quarter=None)


@pytest.mark.parametrize(
    "fields",
    [
        {"quarter": 0},
        {"quarter": 5},
        {"year": 1999},
        {"year": 2101},
        {"value": Decimal("-1")},
        {"metric_key": ""},
    ],
)
def test_period_and_value_sanity(fields):
    _refused(user=rm(), **fields)


def test_a_target_has_exactly_one_subject():
    _refused(user=None, team=None)
    _refused(user=rm(), team=TeamFactory())


def test_set_target_creates_then_updates_and_audits():
    lead, user = rm(), rm()
    period = Period(2025, 2)
    first = set_target(lead, metric_key="new_customers", period=period, value=12, user=user)
    second = set_target(lead, metric_key="new_customers", period=period, value="15", user=user)
    assert first.pk == second.pk and Target.objects.count() == 1
    assert Target.objects.get().value == Decimal(15)
    entries = AuditEntry.objects.filter(action="target.set").order_by("pk")
    assert [e.after["value"] for e in entries] == ["12.00", "15.00"]
    assert entries[1].before["value"] == "12.00"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"metric_key": "no_such_metric"}, "no_such_metric"),
        ({"value": -5}, ""),
    ],
)
def test_set_target_refuses_bad_input_and_changes_nothing(kwargs, message):
    args = {"metric_key": "new_customers", "period": Period(2025), "value": 1, "user": rm()}
    args.update(kwargs)
    with pytest.raises(ValidationError) as exc:
        set_target(rm(), **args)
    assert message in str(exc.value)
    assert not Target.objects.exists() and not AuditEntry.objects.exists()


def test_admin_form_offers_registered_metrics_and_needs_one_subject():
    form = TargetForm(data={"metric_key": "new_customers", "year": 2025, "quarter": 1, "value": 3})
    assert "aum_growth" in dict(form.fields["metric_key"].choices)
    assert not form.is_valid()
    user = rm()
    form = TargetForm(
        data={"user": user.pk, "metric_key": "nope", "year": 2025, "quarter": 1, "value": 3}
    )
    assert not form.is_valid() and "metric_key" in form.errors
    form = TargetForm(
        data={"user": user.pk, "metric_key": "new_customers", "year": 2025, "value": 3}
    )
    assert form.is_valid(), form.errors
    assert form.save().quarter is None


def test_admin_form_reports_a_duplicate_target_instead_of_failing():
    user = rm()
    TargetFactory(user=user, metric_key="new_customers", year=2025, quarter=1)
    form = TargetForm(
        data={
            "user": user.pk,
            "metric_key": "new_customers",
            "year": 2025,
            "quarter": 1,
            "value": 3,
        }
    )
    assert not form.is_valid()
    assert Target.objects.count() == 1


def test_admin_pages_load(admin_client):
    from django.urls import reverse

    for name in ("target", "course", "trainingrecord"):
        assert admin_client.get(reverse(f"admin:performance_{name}_add")).status_code == 200
        assert admin_client.get(reverse(f"admin:performance_{name}_changelist")).status_code == 200
