"""An RM selects two of their tasks on the task list, reschedules both from the action bar,
then saves the list as a view shared with the team; the third task is left alone."""

import datetime

import pytest
from django.utils import timezone

from crm.accounts import roles
from crm.audit.models import AuditEntry
from crm.core.models import SavedView
from customers.records.models import FollowUpTask
from tests.conftest import screenshot
from tests.customers.followups.factories import TaskFactory
from tests.factories import CustomerFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_rm_reschedules_two_tasks_at_once(page, login):
    rm = UserFactory(role=roles.RELATIONSHIP_MANAGER, display_name="王芳")
    customer = CustomerFactory(owner=rm, name="赵建国")
    today = timezone.localdate()
    first = TaskFactory(customer=customer, title="季度回访", due_on=today)
    second = TaskFactory(customer=customer, title="到期提醒", due_on=today)
    third = TaskFactory(customer=customer, title="生日问候", due_on=today)
    new_date = today + datetime.timedelta(days=10)

    login(rm)
    page.goto(f"{page.base_url}/customers/followups/tasks/")
    page.locator("#saved-views").wait_for()
    page.check(f'[data-task="{first.pk}"] input[name=ids]')
    page.check(f'[data-task="{second.pk}"] input[name=ids]')
    page.fill("#id_reschedule-due_on", new_date.isoformat())
    page.fill("#id_reschedule-reason", "客户出差")
    screenshot(page, "bulk-tasks-selected")
    page.click("#bulk-reschedule-run")
    page.wait_for_selector(".alert-success")
    assert "2" in page.locator(".alert-success").inner_text()
    screenshot(page, "bulk-tasks-rescheduled")

    due = dict(FollowUpTask.objects.values_list("pk", "due_on"))
    assert due == {first.pk: new_date, second.pk: new_date, third.pk: today}
    assert AuditEntry.objects.filter(action="followup.rescheduled").count() == 2

    # Save the list as a view shared with the team (the bar loads with htmx).
    page.locator("#saved-views summary", has_text="保存").click()
    page.fill("#saved-view-form input[name=name]", "本周回访")
    page.check("#saved-view-form input[name=shared]")
    page.click("#saved-view-form button")
    page.wait_for_selector(".saved-view")
    assert "本周回访" in page.locator("#saved-views").inner_text()
    view = SavedView.objects.get()
    assert (view.owner, view.visibility, view.team_id) == (rm, "team", rm.team_id)
    screenshot(page, "bulk-tasks-saved-view")
