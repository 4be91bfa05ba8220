"""Task deadlines read as relative days on My day and the task list (issue 20 item 6)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from .factories import TaskFactory

pytestmark = pytest.mark.django_db


def test_my_day_says_how_late_and_how_soon(client, rm_a, mine):
    today = timezone.localdate()
    TaskFactory(customer=mine, due_on=today - datetime.timedelta(days=2), title="逾期回访")
    client.force_login(rm_a)
    zh = client.get(reverse("customers:task-home-panel"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = zh.content.decode()
    assert "已逾期 2 天</time>" in body
    exact = (today - datetime.timedelta(days=2)).isoformat()
    assert f'<time datetime="{exact}" title="{exact}" class="text-danger fw-semibold">' in body


def test_the_task_list_in_english_uses_plurals(client, rm_a, mine):
    today = timezone.localdate()
    TaskFactory(customer=mine, due_on=today - datetime.timedelta(days=1))
    TaskFactory(customer=mine, due_on=today + datetime.timedelta(days=5))
    client.force_login(rm_a)
    body = client.get(reverse("customers:task-list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 day overdue</time>" in body and "due in 5 days</time>" in body
    zh = client.get(reverse("customers:task-list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "5 天后到期</time>" in zh.content.decode()
