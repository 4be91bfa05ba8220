"""Issue 15 item 11: a unique-constraint race answers with the service's message and changes
nothing, for every create path that checks "is there one already?" before it writes.

The race is staged without threads: just before the service's INSERT a competing row appears
(as if a concurrent request had committed it after the service's check). Real two-connection
races on PostgreSQL are in tests/customers/test_import_races.py and
tests/tiering/test_override_races.py.
"""

import datetime
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.signals import pre_save
from django.utils import timezone

from crm.accounts import roles
from crm.accounts.models import Branch
from crm.audit.models import AuditEntry
from crm.core.duplicates import refuse_duplicate
from crm.core.models import ApprovalRequest, CalendarDay
from crm.performance.models import Target
from crm.performance.periods import Period
from crm.performance.services import set_target
from tests.customers.sales.factories import ChannelFactory
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


@contextmanager
def competitor(model):
    """While active, the first INSERT of `model` is preceded by an INSERT of the same row, the
    way a concurrent request that passed the same check would have committed it."""
    state = {"fired": False}

    def receiver(sender, instance, **kwargs):
        if instance._state.adding and not state["fired"]:
            state["fired"] = True
            fields = {
                f.attname: getattr(instance, f.attname)
                for f in model._meta.concrete_fields
                if not f.primary_key
            }
            model.objects.bulk_create([model(**fields)])

    pre_save.connect(receiver, sender=model, weak=False)
    try:
        yield state
    finally:
        pre_save.disconnect(receiver, sender=model)


# ---- the helper ------------------------------------------------------------------------------


def test_a_unique_violation_becomes_the_message_and_the_transaction_goes_on():
    day = datetime.date(2190, 6, 3)  # no seeded holiday this far ahead
    CalendarDay.objects.create(date=day, kind="holiday")
    with transaction.atomic():
        with pytest.raises(ValidationError) as exc, refuse_duplicate("Already there."):
            CalendarDay.objects.create(date=day, kind="workday")
        assert exc.value.messages == ["Already there."]
        # Only the block was undone: the caller's transaction still works.
        CalendarDay.objects.create(date=day + datetime.timedelta(days=1), kind="holiday")
    assert CalendarDay.objects.filter(date__year=2190).count() == 2


def test_other_integrity_errors_are_bugs_and_pass_through():
    with pytest.raises(IntegrityError), refuse_duplicate("Already there."):
        # A head office with a parent breaks a check constraint, not a unique one.
        Branch.objects.create(
            code="X1",
            name="x",
            level="head_office",
            parent=Branch.objects.create(code="X0", name="root", level="head_office"),
        )


# ---- each create path ------------------------------------------------------------------------


def test_watchlist_change_race(make_user):
    from compliance.models import WatchListChange
    from compliance.services import watchlist

    requester = make_user(roles.RISK_OFFICER)
    customer = CustomerFactory()
    with competitor(WatchListChange) as race, pytest.raises(ValidationError) as exc:
        watchlist.watchlist_change_request(
            requester,
            customer,
            action="reduce",
            reason="逾期风险上升",
            review_on=timezone.localdate() + datetime.timedelta(days=90),
        )
    assert race["fired"]
    assert "already waiting for approval" in str(exc.value) or "待审批" in str(exc.value)
    assert not WatchListChange.objects.exists() and not ApprovalRequest.objects.exists()


def test_handover_start_race(head, rm_a, rm_b):
    from customers.sales.models import HandoverPlan
    from customers.sales.services import handover

    with competitor(HandoverPlan) as race, pytest.raises(ValidationError):
        handover.handover_start(head, rm_b, rm_a, reason="leaving")
    assert race["fired"]
    assert not HandoverPlan.objects.exists()
    assert not AuditEntry.objects.filter(action="handover.started").exists()


def test_channel_evaluation_race(lead):
    from customers.sales.models import ChannelEvaluation
    from customers.sales.services import marketing

    channel = ChannelFactory()
    keys = ["volume_score", "quality_score", "compliance_score", "service_score"]
    with competitor(ChannelEvaluation) as race, pytest.raises(ValidationError):
        marketing.channel_evaluate(
            lead,
            channel,
            period_start=datetime.date(2026, 7, 1),
            period_end=datetime.date(2026, 9, 30),
            scores=dict.fromkeys(keys, 3),
        )
    assert race["fired"]
    assert not ChannelEvaluation.objects.exists()


def test_first_target_race(lead):
    user = UserFactory(role=roles.RELATIONSHIP_MANAGER)
    with competitor(Target) as race, pytest.raises(ValidationError):
        set_target(lead, metric_key="new_customers", period=Period(2025, 2), value=12, user=user)
    assert race["fired"]
    assert not Target.objects.exists()
    assert not AuditEntry.objects.filter(action="target.set").exists()
