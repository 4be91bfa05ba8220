"""Factories for sales and service management, built on the shared ones."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from customers.sales.models import Activity, Channel, Prospect
from tests.factories import UserFactory


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    name = factory.Sequence(lambda n: f"合作渠道{n}")
    kind = Channel.Kind.PARTNER
    partner_name = factory.Sequence(lambda n: f"合作券商{n}有限公司")
    commission_rate = Decimal("0.0030")


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    title = factory.Sequence(lambda n: f"客户沙龙{n}")
    kind = Activity.Kind.SEMINAR
    organiser = factory.SubFactory(UserFactory)
    branch = factory.SelfAttribute("organiser.branch")
    team = factory.SelfAttribute("organiser.team")
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    budget = Decimal("20000")


class ProspectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prospect

    name = factory.Sequence(lambda n: f"潜在客户{n}")
    source = "walk_in"
    owner = factory.SubFactory(UserFactory)
    branch = factory.SelfAttribute("owner.branch")
    team = factory.SelfAttribute("owner.team")
    expected_aum = Decimal("1000000")
