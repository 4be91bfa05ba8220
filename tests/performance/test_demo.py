"""The demo seeder fills the screens and is idempotent."""

import io

import pytest

from crm.accounts.demo import seed_organisation
from crm.performance import selectors
from crm.performance.demo import seed_performance
from crm.performance.models import Course, Target, TrainingRecord
from crm.performance.periods import Period
from crm.ui.registry import demo_seeders, metrics

pytestmark = pytest.mark.django_db


def test_registered_after_the_customers_seeder():
    orders = {s.key: s.order for s in demo_seeders()}
    assert orders["performance"] == 90 and orders["customers"] < 90


def test_seed_is_idempotent_and_realistic():
    users = seed_organisation(io.StringIO())
    seed_performance(stdout=io.StringIO(), customers=0, users=users)
    counts = (Course.objects.count(), TrainingRecord.objects.count(), Target.objects.count())
    seed_performance(stdout=io.StringIO(), customers=0, users=users)
    assert (
        Course.objects.count(),
        TrainingRecord.objects.count(),
        Target.objects.count(),
    ) == counts
    assert counts[0] == 6 and counts[1] > 10
    quarter = Period.current_quarter()
    keys = {m.key for m in metrics()}
    mine = set(
        Target.objects.filter(
            user=users["rm1"], year=quarter.year, quarter=quarter.quarter
        ).values_list("metric_key", flat=True)
    )
    assert mine == keys
    assert Target.objects.filter(team=users["rm1"].team, quarter=quarter.quarter).exists()
    flags = {m.username: m.compliance_lapsed for m in selectors.staff_for(users["head1"])}
    assert flags["rm2"] is True and flags["rm1"] is False
    statuses = {
        (i.user_id, i.course.code): i.status
        for i in selectors.training_state([users["rm3"], users["rm4"]])
    }
    assert statuses[(users["rm3"].pk, "CMP-SUIT")] == "expiring"
    assert statuses[(users["rm4"].pk, "SEC-INFO")] == "lapsed"


def test_rate_and_score_targets_are_on_their_scale_for_quarter_and_year():
    users = seed_organisation(io.StringIO())
    seed_performance(stdout=io.StringIO(), customers=0, users=users)
    quarter = Period.current_quarter()
    rm1 = users["rm1"]
    for metric in metrics():
        q = Target.objects.get(
            user=rm1, metric_key=metric.key, year=quarter.year, quarter=quarter.quarter
        ).value
        y = Target.objects.get(
            user=rm1, metric_key=metric.key, year=quarter.year, quarter__isnull=True
        ).value
        if metric.aggregate == "mean":
            assert y == q, metric.key  # a year's rate or score is not four quarters' sum
            assert q <= (100 if str(metric.unit) == "%" else 5), metric.key
        else:
            assert 3 * q <= y <= 5 * q, metric.key  # four quarters, amounts rounded to 10k
            assert q == q.to_integral_value() and y == y.to_integral_value(), metric.key
