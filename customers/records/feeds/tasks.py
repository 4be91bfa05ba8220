"""Feed jobs: thin wrappers over services, safe to run twice (state guard and row lock)."""

from celery import shared_task

from crm.core.outbox import OutboxTask

from . import services


class FeedTask(OutboxTask):
    # The body commits its own transaction (a 2M-row load is not held under the outbox lock);
    # its state guard makes a second delivery harmless.
    outbox_atomic = False


@shared_task(
    base=FeedTask,
    name="customers.records.feeds.tasks.load_feed",
    soft_time_limit=1800,
    time_limit=1900,
)
def load_feed(run_id: int) -> str:
    """Load one received run. A rerun (a duplicate message, a retry after a kill) finds the run
    loaded, held or locked by the worker loading it, and does nothing."""
    return services.feed_load(run_id).state


@shared_task(name="customers.records.feeds.tasks.scan_inbox", soft_time_limit=1800, time_limit=1900)
def scan_inbox() -> dict:
    """Beat: record new inbox files, then load every received run (a run left "received" by a
    killed worker is loaded again, from scratch)."""
    new = services.inbox_scan()
    states = [services.feed_load(pk).state for pk in services.feed_runs_pending()]
    return {"new": len(new), "loaded": states.count("loaded"), "held": states.count("held")}


@shared_task(name="customers.records.feeds.tasks.purge_inbox", soft_time_limit=600, time_limit=660)
def purge_inbox() -> int:
    return services.inbox_purge()
