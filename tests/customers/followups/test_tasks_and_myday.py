"""Follow-up tasks: status and overdue, skip with a reason, reassignment by team leads,
customer reassignment moving open tasks, My day panels and the task list within 10 queries."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from crm.accounts import roles
from crm.audit.models import AuditEntry
from customers.contacts import services as services
from customers.records.models import CustomerCoServer, FollowUpTask
from customers.records.services import customer_reassign
from tests.factories import ContractFactory, CustomerFactory, UserFactory

from .factories import InteractionFactory, TaskFactory

pytestmark = pytest.mark.django_db


def ago(n):
    return timezone.localdate() - datetime.timedelta(days=n)


def days(n):
    return datetime.timedelta(days=n)


def test_overdue_is_computed(mine):
    late = TaskFactory(customer=mine, due_on=ago(1))
    today = TaskFactory(customer=mine, due_on=ago(0))
    done = TaskFactory(customer=mine, due_on=ago(5), status="done")
    assert late.is_overdue and not today.is_overdue and not done.is_overdue


def test_skip_needs_a_reason(rm_a, mine):
    task = TaskFactory(customer=mine)
    with pytest.raises(ValidationError):
        services.task_skip(rm_a, task, reason="  ")
    services.task_skip(rm_a, task, reason="客户长期出国")
    task.refresh_from_db()
    assert task.status == "skipped" and task.skip_reason == "客户长期出国"
    with pytest.raises(ValidationError):
        services.task_complete(rm_a, task)  # already closed


def test_skip_via_view(client, rm_a, mine):
    task = TaskFactory(customer=mine)
    client.force_login(rm_a)
    url = reverse("customers:task-skip", args=[task.pk])
    client.post(url, {"reason": ""})
    task.refresh_from_db()
    assert task.status == "open"
    client.post(url, {"reason": "重复任务"})
    task.refresh_from_db()
    assert task.status == "skipped"


def test_other_rm_cannot_touch_my_task(client, rm_b, mine):
    task = TaskFactory(customer=mine)
    client.force_login(rm_b)
    assert (
        client.post(reverse("customers:task-skip", args=[task.pk]), {"reason": "x"}).status_code
        == 404
    )
    assert client.post(reverse("customers:task-done", args=[task.pk])).status_code == 404
    task.refresh_from_db()
    assert task.status == "open"


def test_complete_links_an_interaction_of_the_same_customer_only(rm_a, mine):
    task = TaskFactory(customer=mine)
    foreign = InteractionFactory(customer=CustomerFactory(owner=rm_a))
    with pytest.raises(ValidationError):
        services.task_complete(rm_a, task, interaction_id=foreign.pk)
    own = InteractionFactory(customer=mine)
    services.task_complete(rm_a, task, interaction_id=own.pk)
    task.refresh_from_db()
    assert task.interaction == own and task.status == "done"


def test_lead_reassigns_within_team_only(lead, rm_a, rm_b, mine):
    task = TaskFactory(customer=mine, due_on=ago(2))
    outsider = UserFactory(role=roles.RELATIONSHIP_MANAGER)
    with pytest.raises(ValidationError):
        services.task_reassign(lead, task, outsider)
    with pytest.raises(ValidationError):  # rm_b cannot see 王芳's customer yet
        services.task_reassign(lead, task, rm_b, reason="王芳休假")
    CustomerCoServer.objects.create(customer=mine, user=rm_b)
    services.task_reassign(lead, task, rm_b, reason="王芳休假")
    task.refresh_from_db()
    assert task.owner == rm_b
    assert AuditEntry.objects.filter(action="followup.reassigned", target_id=str(task.pk)).exists()
    with pytest.raises(PermissionDenied):
        services.task_reassign(rm_a, task, rm_a)


def test_customer_reassignment_moves_open_tasks(lead, rm_a, rm_b, mine):
    open_task = TaskFactory(customer=mine, owner=rm_a)
    done_task = TaskFactory(customer=mine, owner=rm_a, status="done")
    customer_reassign(lead, mine, rm_b, reason="客户经理调岗")
    open_task.refresh_from_db()
    done_task.refresh_from_db()
    assert open_task.owner == rm_b
    assert done_task.owner == rm_a  # history stays with who did it
    assert AuditEntry.objects.filter(action="followup.moved").exists()


def _fill(rm, customer, n=12):
    for k in range(n):
        TaskFactory(customer=customer, owner=rm, due_on=ago(k + 1))
        TaskFactory(customer=customer, owner=rm, due_on=ago(0))
    for _k in range(n):
        InteractionFactory(customer=customer, created_by=rm)
    ContractFactory(customer=customer, matures_on=ago(-10), signed_on=ago(100))


@pytest.mark.parametrize(
    "name",
    ["task-home-panel", "customer-home-panel"],
)
def test_my_day_panels_within_budget(client, rm_a, mine, name, django_assert_max_num_queries):
    _fill(rm_a, mine)
    client.force_login(rm_a)
    url = reverse(f"customers:{name}")
    client.get(url)
    with django_assert_max_num_queries(10):
        resp = client.get(url)
    assert resp.status_code == 200


def test_my_day_recent_contacts_are_mine_newest_first_within_my_book(client, rm_a, rm_b, mine):
    now = timezone.now()
    older = InteractionFactory(customer=mine, summary="较早的拜访", occurred_at=now - days(3))
    newer = InteractionFactory(customer=mine, summary="最新的电话", occurred_at=now - days(1))
    InteractionFactory(customer=mine, created_by=rm_b, summary="同事记录的联系")
    InteractionFactory(customer=mine, summary="两个月前的拜访", occurred_at=now - days(60))
    theirs = CustomerFactory(owner=rm_b)
    InteractionFactory(customer=theirs, created_by=rm_a, summary="已移出名下客户的联系")
    client.force_login(rm_a)
    body = client.get(reverse("customers:customer-home-panel")).content.decode()
    recent = body.split('id="home-recent"')[1]
    assert recent.index(newer.summary) < recent.index(older.summary)
    assert "同事记录的联系" not in recent
    assert "已移出名下客户的联系" not in recent  # outside the book: not shown
    assert "两个月前的拜访" not in recent  # older than RECENT_DAYS


def test_my_day_overdue_and_today_content(client, rm_a, rm_b, mine):
    late = TaskFactory(customer=mine, due_on=ago(3), title="逾期任务甲")
    TaskFactory(customer=mine, due_on=ago(0), title="今日任务乙")
    theirs = CustomerFactory(owner=rm_b)
    TaskFactory(customer=theirs, due_on=ago(3), title="别人的任务")
    client.force_login(rm_a)
    body = client.get(reverse("customers:task-home-panel")).content.decode()
    overdue = body.split('id="home-overdue"')[1].split('id="home-today"')[0]
    today = body.split('id="home-today"')[1].split('id="home-week"')[0]
    assert "逾期任务甲" in overdue and "今日任务乙" not in overdue
    assert f'data-task="{late.pk}"' in overdue
    assert "今日任务乙" in today
    assert "别人的任务" not in body


def test_home_page_shows_panels_by_role(client, rm_a, lead):
    client.force_login(rm_a)
    body = client.get(reverse("ui:home")).content.decode()
    assert reverse("customers:task-home-panel") in body
    assert reverse("customers:team-home-panel") not in body
    assert client.get(reverse("customers:team-home-panel")).status_code == 403
    client.force_login(lead)
    assert reverse("customers:team-home-panel") in client.get(reverse("ui:home")).content.decode()


def test_team_lead_sees_team_overdue_and_reassigns(
    client, lead, rm_a, rm_b, mine, django_assert_max_num_queries
):
    task = TaskFactory(customer=mine, due_on=ago(4), title="团队逾期")
    client.force_login(lead)
    with django_assert_max_num_queries(10):
        body = client.get(reverse("customers:team-home-panel")).content.decode()
    assert "团队逾期" in body
    CustomerCoServer.objects.create(customer=mine, user=rm_b)
    client.post(reverse("customers:task-reassign", args=[task.pk]), {"owner": rm_b.pk})
    task.refresh_from_db()
    assert task.owner == rm_b


def test_task_list_keyset_pagination_and_budget(client, rm_a, mine, django_assert_max_num_queries):
    for k in range(60):
        TaskFactory(customer=mine, due_on=ago(-k))
    client.force_login(rm_a)
    url = reverse("customers:task-list")
    client.get(url)
    with django_assert_max_num_queries(10):
        first = client.get(url)
    body = first.content.decode()
    assert body.count('class="task-row"') == 50
    cursor = first.context["page"].next_cursor
    assert cursor
    with django_assert_max_num_queries(10):
        second = client.get(url, {"after": cursor})
    assert second.content.decode().count('class="task-row"') == 10
    seen = {t.pk for t in first.context["page"]} | {t.pk for t in second.context["page"]}
    assert len(seen) == 60


def test_task_list_filters(client, rm_a, mine):
    TaskFactory(customer=mine, due_on=ago(2), title="逾期A")
    TaskFactory(customer=mine, due_on=ago(-2), title="未到期B")
    TaskFactory(customer=mine, status="skipped", skip_reason="不需要", title="跳过C")
    client.force_login(rm_a)
    overdue = client.get(reverse("customers:task-list"), {"status": "overdue"}).content.decode()
    assert "逾期A" in overdue and "未到期B" not in overdue
    skipped = client.get(reverse("customers:task-list"), {"status": "skipped"}).content.decode()
    assert "跳过C" in skipped and "不需要" in skipped
    assert client.get(reverse("customers:task-list"), {"status": "bogus"}).status_code == 200


def test_manual_task(rm_a, mine):
    task = services.task_create(rm_a, mine, title="寄送生日贺卡", due_on=ago(-3))
    assert task.reason == "manual" and task.owner == rm_a
    with pytest.raises(ValidationError):
        services.task_create(rm_a, mine, title="过去", due_on=ago(1))


def test_manual_task_from_the_360_panel(client, rm_a, rm_b, mine):
    client.force_login(rm_a)
    url = reverse("customers:task-create", args=[mine.pk])
    resp = client.post(
        url, {"title": "寄送生日贺卡", "due_on": ago(-2).isoformat()}, HTTP_HX_REQUEST="true"
    )
    assert resp.status_code == 200 and "寄送生日贺卡" in resp.content.decode()
    assert FollowUpTask.objects.filter(customer=mine, reason="manual", owner=rm_a).count() == 1
    resp = client.post(
        url, {"title": "过去的任务", "due_on": ago(3).isoformat()}, HTTP_HX_REQUEST="true"
    )
    assert 'id="task-error"' in resp.content.decode()
    assert FollowUpTask.objects.filter(customer=mine).count() == 1
    client.force_login(rm_b)
    assert client.post(url, {"title": "x", "due_on": ago(-1).isoformat()}).status_code == 404
