"""Read-only means read-only (issue 15, item 4): an auditor creates no saved view and no
calendar-feed token, and is never offered or accepted as the owner of a disposal step or a
follow-up task."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from compliance import selectors as compliance_selectors
from compliance.models import DisposalStep
from compliance.services.disposal import step_add
from crm.accounts import roles
from crm.accounts.access import is_read_only, read_only_filter, staff_filter
from crm.core.models import SavedView
from crm.ui.saved import saved_view_save
from customers.contacts import selectors as contact_selectors
from customers.contacts import services as contact_services
from customers.contacts.models import CalendarFeedToken
from tests.compliance.factories import WarningFactory
from tests.customers.followups.factories import TaskFactory
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def team_auditor(make_user, team):
    """An auditor placed in the RM's team, so every staff scope would reach them."""
    return make_user(roles.AUDITOR, team=team, branch=team.branch)


def test_read_only_filter_matches_is_read_only(auditor, rm, compliance, make_user):
    both = make_user(roles.AUDITOR)
    both.groups.add(*rm.groups.all())
    users = [auditor, rm, compliance, both]
    flagged = set(User.objects.filter(read_only_filter()))
    assert flagged == {u for u in users if is_read_only(u)} == {auditor}


CUSTOMERS = "customers:customer-list"


def test_auditor_cannot_save_a_view(client, auditor):
    client.force_login(auditor)
    client.post(
        reverse("ui:saved-view-create"), {"list": CUSTOMERS, "name": "mine", "query": "q=x"}
    )
    assert not SavedView.objects.exists()
    with pytest.raises(PermissionDenied):
        saved_view_save(auditor, list_key=CUSTOMERS, name="mine", query="q=x")
    assert not SavedView.objects.exists()
    # The save form is not offered.
    page = client.get(reverse("ui:saved-view-bar"), {"list": CUSTOMERS, "query": "q=x"})
    assert page.status_code == 200
    assert reverse("ui:saved-view-create") not in page.content.decode()


def test_rm_still_saves_a_view(client, rm):
    client.force_login(rm)
    client.post(
        reverse("ui:saved-view-create"), {"list": CUSTOMERS, "name": "mine", "query": "q=x"}
    )
    assert SavedView.objects.filter(owner=rm, name="mine", list_key=CUSTOMERS).exists()


def test_auditor_cannot_create_a_calendar_feed(client, auditor):
    client.force_login(auditor)
    page = client.get(reverse("customers:calendar-feed-settings"))
    assert page.status_code == 200 and b"feed-issue" not in page.content
    response = client.post(reverse("customers:calendar-feed-settings"), {"action": "issue"})
    assert response.status_code == 403
    assert not CalendarFeedToken.objects.exists()
    with pytest.raises(PermissionDenied):
        contact_services.feed_token_issue(auditor)
    assert not CalendarFeedToken.objects.exists()


def test_rm_still_creates_a_calendar_feed(client, rm):
    client.force_login(rm)
    client.post(reverse("customers:calendar-feed-settings"), {"action": "issue"})
    assert CalendarFeedToken.objects.filter(user=rm).exists()


def test_auditor_is_no_staff_to_assign_work_to(team_auditor, lead, head, admin):
    for user in (lead, head, admin):
        assert team_auditor not in User.objects.filter(staff_filter(user))
    assert team_auditor not in contact_selectors.reassign_targets(lead)


def test_auditor_cannot_own_a_disposal_step(client, compliance, team_auditor, rm):
    warning = WarningFactory(customer=CustomerFactory(owner=rm), grade="red")
    assert team_auditor not in compliance_selectors.step_owners(compliance, warning)
    assert rm in compliance_selectors.step_owners(compliance, warning)
    client.force_login(compliance)
    data = {"kind": "visit", "owner": team_auditor.pk, "due_on": warning.verify_by.isoformat()}
    client.post(reverse("compliance:step-create", args=[warning.pk]), data)
    assert not DisposalStep.objects.exists()
    with pytest.raises(ValidationError):
        step_add(compliance, warning, kind="visit", owner=team_auditor, due_on=warning.verify_by)
    assert not DisposalStep.objects.exists()


def test_auditor_cannot_own_a_task(client, lead, rm, team_auditor):
    task = TaskFactory(customer=CustomerFactory(owner=rm))
    client.force_login(lead)
    client.post(
        reverse("customers:task-reassign", args=[task.pk]),
        {"owner": team_auditor.pk, "reason": "holiday"},
    )
    task.refresh_from_db()
    assert task.owner == rm
    with pytest.raises(ValidationError):
        contact_services.task_reassign(lead, task, team_auditor, reason="holiday")
    task.refresh_from_db()
    assert task.owner == rm
