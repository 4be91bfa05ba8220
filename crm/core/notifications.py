"""In-app notifications: the only writer and the recipient-scoped readers."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification


def notification_send(
    recipient, title: str, *, body: str = "", url: str = "", dedupe_key: str | None = None
):
    """Create a notification; with `dedupe_key`, a second call for the same key does nothing."""
    if dedupe_key is None:
        return Notification.objects.create(recipient=recipient, title=title, body=body, url=url)
    try:
        with transaction.atomic():
            return Notification.objects.create(
                recipient=recipient, title=title, body=body, url=url, dedupe_key=dedupe_key
            )
    except IntegrityError:
        return Notification.objects.get(recipient=recipient, dedupe_key=dedupe_key)


def notifications_for(user):
    return Notification.objects.filter(recipient=user)


def unread_count(user) -> int:
    # Capped: the bell shows "99+" rather than counting a backlog.
    return notifications_for(user).filter(read_at__isnull=True)[:100].count()


def notifications_mark_read(user, notification_id: int | None = None) -> int:
    qs = notifications_for(user).filter(read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


def notifications_send(items) -> int:
    """Bulk notification_send() for set-based jobs (sweeps): `items` are dicts with recipient_id, title and
    optionally body, url, dedupe_key. Keys already notified are skipped, so reruns add nothing.
    Returns how many were offered (the database ignores the duplicates)."""
    rows = [
        Notification(
            recipient_id=i["recipient_id"],
            title=i["title"][:200],
            body=i.get("body", ""),
            url=i.get("url", ""),
            dedupe_key=i.get("dedupe_key"),
        )
        for i in items
    ]
    Notification.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)
