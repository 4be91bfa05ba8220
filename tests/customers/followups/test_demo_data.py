"""The demo a new user logs into: every demo RM has contacts, and the sweep has run after the
seeders that set tiers and VIP levels, so "out of cadence" is not empty."""

import io

import pytest
from django.core.management import call_command

from customers.contacts.models import Interaction
from customers.records.models import Customer, FollowUpReason, FollowUpTask

pytestmark = pytest.mark.django_db


def test_every_demo_rm_has_contacts_and_the_sweep_finds_cadence_gaps():
    call_command("seed_demo", customers=40, force=True, stdout=io.StringIO())
    owners = set(Customer.objects.values_list("owner__username", flat=True))
    with_contacts = set(Interaction.objects.values_list("customer__owner__username", flat=True))
    assert owners and owners <= with_contacts
    gaps = FollowUpTask.objects.filter(reason=FollowUpReason.CADENCE, status="open")
    assert gaps.exists()
