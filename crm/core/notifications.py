"""In-app notifications: the only writer and the recipient-scoped readers."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import texts
from .models import Notification


def _text_fields(title: str, body: str, code: str, params) -> dict:
    """A coded text (crm.core.texts) also stores its default-language wording."""
    if not code:
        return {"title": title[:200], "body": body}
    return {
        "title": (title or texts.stored(code, params))[:200],
        "body": body or texts.stored(code, params, body=True),
        "text_code": code,
        "text_params": params or None,
    }


def notification_send(
    recipient,
    title: str = "",
    *,
    body: str = "",
    url: str = "",
    dedupe_key: str | None = None,
    code: str = "",
    params: dict | None = None,
):
    """Create a notification; with `dedupe_key`, a second call for the same key does nothing.
    Generated notifications pass `code` and `params` (crm.core.texts) instead of a title, so
    each reader sees them in their language."""
    fields = {"recipient": recipient, "url": url, **_text_fields(title, body, code, params)}
    if dedupe_key is None:
        return Notification.objects.create(**fields)
    try:
        with transaction.atomic():
            return Notification.objects.create(**fields, dedupe_key=dedupe_key)
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
    """Bulk notification_send() for set-based jobs (sweeps): `items` are dicts with recipient_id,
    title (or code and params) and optionally body, url, dedupe_key. Keys already notified are
    skipped, so reruns add nothing. Returns how many were offered (the database ignores the
    duplicates)."""
    rows = [
        Notification(
            recipient_id=i["recipient_id"],
            url=i.get("url", ""),
            dedupe_key=i.get("dedupe_key"),
            **_text_fields(
                i.get("title", ""), i.get("body", ""), i.get("code", ""), i.get("params")
            ),
        )
        for i in items
    ]
    Notification.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)
