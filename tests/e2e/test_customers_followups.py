"""An RM opens My day, logs a visit for an overdue customer from the task, and the task
disappears from the overdue panel; the visit shows on the customer's timeline."""

import datetime

import pytest
from django.utils import timezone

from crm.accounts import roles
from customers.contacts.models import Interaction
from customers.records.models import FollowUpTask
from tests.conftest import screenshot
from tests.customers.followups.factories import TaskFactory
from tests.factories import CustomerFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_rm_logs_a_visit_from_an_overdue_task(page, login):
    rm = UserFactory(role=roles.RELATIONSHIP_MANAGER, display_name="王芳")
    customer = CustomerFactory(owner=rm, name="赵建国")
    task = TaskFactory(
        customer=customer,
        title="季度回访：了解资金安排",
        due_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    TaskFactory(customer=customer, title="今日任务：确认资料", due_on=timezone.localdate())

    login(rm)
    overdue = page.locator("#home-overdue")
    overdue.wait_for()
    row = overdue.locator(f'[data-task="{task.pk}"]')
    assert "季度回访" in row.inner_text()
    assert "赵建国" in row.inner_text()
    screenshot(page, "followups-my-day")

    row.locator("a.task-log").click()
    page.wait_for_selector("#interaction-page-form")
    assert "季度回访" in page.locator("#interaction-page-form").inner_text()
    page.select_option("select[name=channel]", "visit")
    page.fill("textarea[name=summary]", "上门拜访，客户计划下季度追加稳健型理财")
    page.fill("textarea[name=next_steps]", "一周内发送配置建议书")
    screenshot(page, "followups-log-visit")
    page.click("#interaction-submit")

    page.wait_for_url(f"{page.base_url}/")
    page.locator("#home-overdue").wait_for()
    assert page.locator(f'#home-overdue [data-task="{task.pk}"]').count() == 0
    assert "没有逾期任务" in page.locator("#home-overdue").inner_text()
    assert "今日任务" in page.locator("#home-today").inner_text()
    page.reload()
    page.locator("#home-recent").wait_for()
    assert "赵建国" in page.locator("#home-recent").inner_text()
    screenshot(page, "followups-my-day-after")

    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.DONE
    assert task.interaction == Interaction.objects.get(customer=customer, channel="visit")


def test_rm_logs_a_contact_inline_on_the_360_page(page, login):
    rm = UserFactory(role=roles.RELATIONSHIP_MANAGER, display_name="李强")
    customer = CustomerFactory(owner=rm, name="钱敏")
    login(rm)
    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    page.locator("#log-interaction").click()
    page.wait_for_selector("#interaction-form")
    page.click("#interaction-cancel")  # Cancel takes the form away
    assert page.locator("#interaction-form").count() == 0
    page.locator("#log-interaction").click()
    page.wait_for_selector("#interaction-form")
    page.select_option("#interaction-form select[name=channel]", "phone")
    page.fill("#interaction-form textarea[name=summary]", "电话沟通到期续作意向")
    page.click("#interaction-form #interaction-submit")
    page.wait_for_selector("#timeline .timeline-item")
    assert "电话沟通到期续作意向" in page.locator("#timeline").inner_text()
    assert page.url.endswith(f"/customers/{customer.pk}/")  # no page reload / navigation
    screenshot(page, "followups-360-inline")
