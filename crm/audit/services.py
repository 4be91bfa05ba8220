from django.db import models, transaction
from django.utils import timezone

from . import chain
from .models import AuditEntry


def record(actor, action: str, target=None, *, purpose: str = "", before=None, after=None):
    """Write one audit row. Call it inside the transaction of the change it records."""
    if target is None:
        target_type = target_id = target_repr = ""
    elif isinstance(target, models.Model):
        target_type = target._meta.label_lower
        target_id = str(target.pk)
        target_repr = str(target)[:255]
    else:
        target_type, target_id, target_repr = "", "", str(target)[:255]
    entry = AuditEntry(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_repr=target_repr,
        purpose=purpose,
        before=before,
        after=after,
    )
    _append([entry])
    return entry


def record_many(actor, action: str, targets, *, purpose: str = "", before_of=None, after_of=None):
    """record() for a batch of model instances: one INSERT per 2,000 rows instead of one per
    target, chained in one go. `before_of` / `after_of` map a target to its before/after dict."""
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    return record_rows(
        {
            "actor_id": actor_id,
            "action": action,
            "target_type": target._meta.label_lower,
            "target_id": str(target.pk),
            "target_repr": str(target)[:255],
            "purpose": purpose,
            "before": before_of(target) if before_of else None,
            "after": after_of(target) if after_of else None,
        }
        for target in targets
    )


def record_rows(rows) -> int:
    """Audit rows from plain dicts of AuditEntry fields (actor_id, action, target_type, …), for
    set-based services that read what they changed in one query. Written in batches, chained."""
    now = timezone.now()
    entries = [AuditEntry(**{"at": now, **row}) for row in rows]
    _append(entries)
    return len(entries)


def _append(entries: list[AuditEntry]) -> None:
    if not entries:
        return
    # Joins the caller's transaction (no savepoint): the chain's lock and tail read must be in
    # the same transaction as the insert.
    with transaction.atomic(savepoint=False):
        chain.seal(entries)
        if len(entries) == 1:
            entries[0].save(force_insert=True)
        else:
            AuditEntry.objects.bulk_create(entries, batch_size=2000)
