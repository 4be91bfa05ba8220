"""The access contract in compliance: another RM's customer, warning or step is "not found"
(404), exactly like a missing one, in views and in services; never 403."""

import pytest
from django.urls import reverse
from django.utils import timezone

from compliance import access
from compliance.services import disposal, suitability, watchlist
from crm.accounts import roles
from crm.core.access import NotFound
from tests.factories import CustomerFactory, ProductFactory, UserFactory

from .factories import StepFactory, WarningFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_books(rm, other_rm):
    theirs = WarningFactory(customer=CustomerFactory(owner=other_rm))
    return rm, other_rm, theirs


def test_access_functions_answer_not_found_for_missing_and_foreign_alike(two_books):
    rm, other, theirs = two_books
    step = StepFactory(warning=theirs)
    for getter, obj in ((access.access_warning, theirs), (access.access_step, step)):
        with pytest.raises(NotFound):
            getter(rm, obj.pk)
        with pytest.raises(NotFound):
            getter(rm, obj.pk + 1000)
        with pytest.raises(NotFound):
            getter(rm, "abc")
        assert getter(other, obj.pk).pk == obj.pk
        assert getter(other, obj.pk, for_write=True).pk == obj.pk
    assert not access.warnings_for(rm).exists()
    assert list(access.warnings_for(other)) == [theirs]


def test_services_refuse_another_rms_customer_as_not_found(two_books):
    rm, _other, theirs = two_books
    customer = theirs.customer
    lead = UserFactory(role=roles.TEAM_LEAD, team=rm.team, branch=rm.branch)
    with pytest.raises(NotFound):
        watchlist.watchlist_change_request(
            lead,
            customer,
            action="reduce",
            reason="理由",
            review_on=timezone.localdate().replace(year=timezone.localdate().year + 1),
        )
    with pytest.raises(NotFound):
        disposal.step_complete(rm, StepFactory(warning=theirs), outcome="核实")
    with pytest.raises(NotFound):
        suitability.suitability_check_record(rm, customer, ProductFactory())


def test_views_answer_404_not_403_for_another_rms_rows(client, two_books):
    rm, _other, theirs = two_books
    step = StepFactory(warning=theirs)
    client.force_login(rm)
    data = {"kind": "verify", "owner": rm.pk, "due_on": theirs.verify_by.isoformat()}
    assert client.get(reverse("compliance:warning-detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("compliance:step-create", args=[theirs.pk]), data).status_code == 404
    assert (
        client.post(reverse("compliance:step-done", args=[step.pk]), {"outcome": "x"}).status_code
        == 404
    )
    assert (
        client.get(reverse("compliance:customer-panel", args=[theirs.customer.pk])).status_code
        == 404
    )
