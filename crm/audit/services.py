from django.db import models

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
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_repr=target_repr,
        purpose=purpose,
        before=before,
        after=after,
    )


def record_many(actor, action: str, targets, *, purpose: str = "", before_of=None, after_of=None):
    """record() for a batch of model instances: one INSERT per 2,000 rows instead of one per
    target. `before_of` / `after_of` map a target to its before/after dict."""
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    rows = [
        AuditEntry(
            actor_id=actor_id,
            action=action,
            target_type=target._meta.label_lower,
            target_id=str(target.pk),
            target_repr=str(target)[:255],
            purpose=purpose,
            before=before_of(target) if before_of else None,
            after=after_of(target) if after_of else None,
        )
        for target in targets
    ]
    AuditEntry.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
