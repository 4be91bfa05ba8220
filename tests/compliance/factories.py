"""Factories of the compliance tests, built on the shared ones."""

import datetime

import factory
from django.utils import timezone

from compliance.models import DisposalStep, RiskSignal, RiskWarning, SignalSource
from tests.factories import CustomerFactory


def source(code="file") -> SignalSource:
    return SignalSource.objects.get_or_create(code=code, defaults={"name": code})[0]


class WarningFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskWarning

    customer = factory.SubFactory(CustomerFactory)
    kind = "overdue"
    grade = "red"
    title = "贷款逾期30天"
    owner = factory.SelfAttribute("customer.owner")
    raised_on = factory.LazyFunction(timezone.localdate)
    verify_by = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=1))


class SignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskSignal

    customer = factory.SubFactory(CustomerFactory)
    kind = "overdue"
    source = factory.LazyFunction(lambda: source("manual"))
    dedupe_key = factory.Sequence(lambda n: f"EXT{n:06d}")
    observed_on = factory.LazyFunction(timezone.localdate)
    severity = 3
    evidence = "逾期15天"


class StepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DisposalStep

    warning = factory.SubFactory(WarningFactory)
    kind = "verify"
    owner = factory.SelfAttribute("warning.owner")
    due_on = factory.LazyFunction(timezone.localdate)
