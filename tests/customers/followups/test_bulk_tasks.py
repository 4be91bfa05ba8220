"""Bulk actions on the task list: one service call each, all or nothing, an audit row per task,
scope and permission, and the shared action bar on the page within its query budget."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from crm.audit.models import AuditEntry
from customers.contacts import bulk
from customers.records.models import FollowUpTask
from tests.factories import CustomerFactory

from .factories import TaskFactory

pytestmark = pytest.mark.django_db


def later(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def audit(action):
    return list(AuditEntry.objects.filter(action=action).values_list("target_id", flat=True))


def test_reschedule_moves_every_task_with_an_audit_row_each(rm_a, mine):
    tasks = [TaskFactory(customer=mine, due_on=later(1)) for _ in range(3)]
    n = bulk.tasks_reschedule(rm_a, [t.pk for t in tasks], later(7), reason="客户出差")
    assert n == 3
    assert set(FollowUpTask.objects.values_list("due_on", flat=True)) == {later(7)}
    assert sorted(audit("followup.rescheduled")) == sorted(str(t.pk) for t in tasks)
    entry = AuditEntry.objects.filter(action="followup.rescheduled").first()
    assert entry.before == {"due_on": str(later(1))} and entry.purpose == "客户出差"


def test_one_closed_task_refuses_the_whole_batch(rm_a, mine):
    open_task = TaskFactory(customer=mine, due_on=later(1), title="开放任务")
    closed = TaskFactory(customer=mine, status="done", title="已完成任务")
    with pytest.raises(ValidationError) as refused:
        bulk.tasks_reschedule(rm_a, [open_task.pk, closed.pk], later(5))
    text = " ".join(refused.value.messages)
    assert "已完成任务" in text and "1" in text
    open_task.refresh_from_db()
    assert open_task.due_on == later(1)
    assert not AuditEntry.objects.filter(action="followup.rescheduled").exists()


def test_an_id_outside_the_scope_refuses_the_batch(rm_a, mine, theirs, rm_other):
    mine_task = TaskFactory(customer=mine)
    stranger = TaskFactory(customer=CustomerFactory(owner=rm_other))
    with pytest.raises(ValidationError) as refused:
        bulk.tasks_skip(rm_a, [mine_task.pk, stranger.pk, "abc"], reason="重复")
    assert "2" in " ".join(refused.value.messages)
    assert FollowUpTask.objects.filter(status="skipped").count() == 0
    assert not AuditEntry.objects.filter(action="followup.skipped").exists()


def test_skip_needs_a_reason_and_closes_each_task(rm_a, mine):
    tasks = [TaskFactory(customer=mine) for _ in range(2)]
    with pytest.raises(ValidationError):
        bulk.tasks_skip(rm_a, [t.pk for t in tasks], reason="  ")
    assert bulk.tasks_skip(rm_a, [t.pk for t in tasks], reason="客户已销户") == 2
    assert set(FollowUpTask.objects.values_list("status", "skip_reason")) == {
        ("skipped", "客户已销户")
    }
    assert len(audit("followup.skipped")) == 2


def test_an_rm_cannot_change_a_colleagues_task_in_a_shared_book(rm_a, rm_b, mine):
    from customers.records.models import CustomerCoServer

    CustomerCoServer.objects.create(customer=mine, user=rm_b)
    theirs = TaskFactory(customer=mine, owner=rm_b)
    with pytest.raises(ValidationError):
        bulk.tasks_skip(rm_a, [theirs.pk], reason="不需要")
    assert FollowUpTask.objects.get(pk=theirs.pk).status == "open"


def test_an_rm_may_not_reassign_tasks(rm_a, rm_b, mine):
    task = TaskFactory(customer=mine)
    with pytest.raises(PermissionDenied):
        bulk.tasks_reassign(rm_a, [task.pk], rm_b)
    assert FollowUpTask.objects.get(pk=task.pk).owner == rm_a


def test_lead_reassigns_only_to_someone_who_sees_every_customer(lead, rm_a, rm_b, mine, theirs):
    from customers.records.models import CustomerCoServer

    a = TaskFactory(customer=mine)
    b = TaskFactory(customer=theirs)
    with pytest.raises(ValidationError) as refused:
        bulk.tasks_reassign(lead, [a.pk, b.pk], rm_b, reason="休假")
    assert str(rm_b) in " ".join(refused.value.messages)
    assert FollowUpTask.objects.get(pk=a.pk).owner == rm_a
    CustomerCoServer.objects.create(customer=mine, user=rm_b)
    assert bulk.tasks_reassign(lead, [a.pk, b.pk], rm_b, reason="休假") == 1  # b was rm_b's
    assert FollowUpTask.objects.get(pk=a.pk).owner == rm_b
    assert audit("followup.reassigned") == [str(a.pk)]


def test_reschedule_refuses_a_past_date(rm_a, mine):
    task = TaskFactory(customer=mine)
    with pytest.raises(ValidationError):
        bulk.tasks_reschedule(rm_a, [task.pk], later(-1))


def test_the_bar_reschedules_through_the_shared_view(client, rm_a, mine):
    tasks = [TaskFactory(customer=mine, due_on=later(1)) for _ in range(2)]
    client.force_login(rm_a)
    back = reverse("customers:task-list") + "?status=open"
    response = client.post(
        reverse("ui:bulk-run"),
        {
            "list": "customers:task-list",
            "action": "reschedule",
            "ids": [t.pk for t in tasks],
            "reschedule-due_on": later(3).isoformat(),
            "next": back,
        },
    )
    assert response.status_code == 302 and response.url == back
    assert set(FollowUpTask.objects.values_list("due_on", flat=True)) == {later(3)}
    assert any("2" in str(m) for m in get_messages(response.wsgi_request))


def test_the_bar_shows_a_refusal_as_a_message_and_changes_nothing(client, rm_a, mine):
    task = TaskFactory(customer=mine, due_on=later(1))
    done = TaskFactory(customer=mine, status="done")
    client.force_login(rm_a)
    response = client.post(
        reverse("ui:bulk-run"),
        {
            "list": "customers:task-list",
            "action": "skip",
            "ids": [task.pk, done.pk],
            "skip-reason": "不需要",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "未做任何更改" in response.content.decode()
    assert FollowUpTask.objects.get(pk=task.pk).status == "open"


def test_the_bar_refuses_an_action_the_user_lacks(client, rm_a, rm_b, mine):
    task = TaskFactory(customer=mine)
    client.force_login(rm_a)
    response = client.post(
        reverse("ui:bulk-run"),
        {
            "list": "customers:task-list",
            "action": "reassign",
            "ids": [task.pk],
            "reassign-owner": rm_b.pk,
        },
    )
    assert response.status_code == 403
    assert FollowUpTask.objects.get(pk=task.pk).owner == rm_a


def test_task_list_with_the_bar_stays_within_budget(
    client, lead, mine, django_assert_max_num_queries
):
    for k in range(30):
        TaskFactory(customer=mine, due_on=later(k))
    client.force_login(lead)
    url = reverse("customers:task-list") + "?who=team"
    client.get(url)
    with django_assert_max_num_queries(11):
        body = client.get(url).content.decode()
    assert body.count('name="ids"') == 30
    assert 'id="bulk-reassign-run"' in body and "data-check-all" in body


def test_task_list_hides_a_column_not_chosen(client, rm_a, mine):
    TaskFactory(customer=mine)
    client.force_login(rm_a)
    body = client.get(reverse("customers:task-list"), {"cols": "status"}).content.decode()
    assert "<th>Owner</th>" not in body and "<th>负责人</th>" not in body
    assert client.get(reverse("customers:task-list")).context["columns"] == {
        "reason",
        "status",
        "owner",
    }
