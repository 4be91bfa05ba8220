from celery import shared_task

from .services import idempotency_keys_purge


@shared_task(name="crm.api.tasks.purge_idempotency_keys", soft_time_limit=300, time_limit=360)
def purge_idempotency_keys() -> int:
    """Delete expired idempotency keys (daily, beat). A rerun finds nothing more to delete."""
    return idempotency_keys_purge()
