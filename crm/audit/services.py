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
