"""Factories for interactions and follow-up tasks (build on tests.factories)."""

import datetime

import factory
from django.utils import timezone

from customers.contacts.models import Interaction
from customers.records.models import FollowUpReason, FollowUpTask
from tests.factories import CustomerFactory


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    channel = "phone"
    occurred_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    purpose = "service"
    summary = "电话回访，了解近期需求"
    created_by = factory.SelfAttribute("customer.owner")

    @factory.post_generation
    def participants(self, create, extracted, **kwargs):
        if create:
            self.staff.add(self.created_by, *(extracted or []))


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpTask

    customer = factory.SubFactory(CustomerFactory)
    owner = factory.SelfAttribute("customer.owner")
    title = factory.Sequence(lambda n: f"回访任务{n}")
    reason = FollowUpReason.MANUAL
    due_on = factory.LazyFunction(timezone.localdate)
