"""In-app notifications: only the recipient reads them; a retried job never notifies twice."""

import pytest
from django.urls import reverse

from crm.accounts import roles
from crm.core.models import Notification
from crm.core.notifications import (
    notification_send,
    notifications_for,
    notifications_mark_read,
    unread_count,
)

pytestmark = pytest.mark.django_db


def test_notify_and_read(rm_user):
    n = notification_send(
        rm_user, "客户张伟的风险评估将于30天后到期", body="请安排回访", url="/customers/1/"
    )
    assert list(notifications_for(rm_user)) == [n]
    assert unread_count(rm_user) == 1
    assert notifications_mark_read(rm_user, n.pk) == 1
    assert unread_count(rm_user) == 0
    n.refresh_from_db()
    assert n.read_at is not None


def test_dedupe_key_makes_notify_idempotent(rm_user, make_user):
    first = notification_send(rm_user, "提醒", dedupe_key="task:7:2025-09-20")
    again = notification_send(rm_user, "提醒", dedupe_key="task:7:2025-09-20")
    assert again.pk == first.pk
    assert Notification.objects.filter(recipient=rm_user).count() == 1
    # The same key for somebody else is a different notification.
    other = make_user(roles.RELATIONSHIP_MANAGER)
    assert notification_send(other, "提醒", dedupe_key="task:7:2025-09-20").pk != first.pk
    # Without a key, every call notifies.
    notification_send(rm_user, "x")
    notification_send(rm_user, "x")
    assert Notification.objects.filter(recipient=rm_user).count() == 3


def test_dedupe_inside_an_outer_transaction_keeps_it_usable(rm_user):
    from django.db import transaction

    with transaction.atomic():
        notification_send(rm_user, "a", dedupe_key="k")
        notification_send(rm_user, "a", dedupe_key="k")
        notification_send(rm_user, "b")
    assert Notification.objects.filter(recipient=rm_user).count() == 2


def test_only_the_recipient_reads_or_marks(rm_user, make_user):
    other = make_user(roles.RELATIONSHIP_MANAGER)
    n = notification_send(other, "别人的通知")
    assert list(notifications_for(rm_user)) == []
    assert notifications_mark_read(rm_user, n.pk) == 0
    n.refresh_from_db()
    assert n.read_at is None


def test_bell_count_caps_at_99_plus(rm_client):
    Notification.objects.bulk_create(
        Notification(recipient=rm_client.user, title=f"n{i}") for i in range(105)
    )
    assert unread_count(rm_client.user) == 100
    body = rm_client.get(reverse("core:notification-bell")).content.decode()
    assert "99+" in body


def test_bell_shows_unread_count(rm_client):
    body = rm_client.get(reverse("core:notification-bell")).content.decode()
    assert "bell-count" not in body
    notification_send(rm_client.user, "a")
    notification_send(rm_client.user, "b")
    body = rm_client.get(reverse("core:notification-bell")).content.decode()
    assert 'id="bell-count">2<' in body


def test_list_page_shows_only_own_notifications(rm_client, make_user):
    notification_send(rm_client.user, "我的提醒")
    notification_send(make_user(roles.RELATIONSHIP_MANAGER), "别人的提醒")
    body = rm_client.get(reverse("core:notification-list")).content.decode()
    assert "我的提醒" in body
    assert "别人的提醒" not in body


def test_mark_read_views(rm_client, make_user):
    mine = notification_send(rm_client.user, "a")
    notification_send(rm_client.user, "b")
    theirs = notification_send(make_user(roles.RELATIONSHIP_MANAGER), "c")
    response = rm_client.post(reverse("core:notification-read", args=[mine.pk]))
    assert response.status_code == 302
    assert unread_count(rm_client.user) == 1
    rm_client.post(reverse("core:notification-read", args=[theirs.pk]))
    theirs.refresh_from_db()
    assert theirs.read_at is None
    response = rm_client.post(reverse("core:notification-read-all"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "bell-link" in response.content.decode()
    assert unread_count(rm_client.user) == 0


def test_mark_read_needs_post(rm_client):
    assert rm_client.get(reverse("core:notification-read-all")).status_code == 405
