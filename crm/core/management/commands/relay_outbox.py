import contextlib
import signal

from django.core.management.base import BaseCommand

from crm.core import outbox


class Command(BaseCommand):
    help = (
        "Relay the transactional outbox to the Celery broker: publish recorded tasks in order, "
        "retrying with backoff while the broker refuses (runs until stopped; --once for one batch)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="publish one batch and stop")
        parser.add_argument(
            "--interval", type=float, default=None, help="seconds between polls when idle"
        )

    def handle(self, *args, once=False, interval=None, **options):
        if once:
            result = outbox.relay()
            self.stdout.write(f"published {result.published}")
            if result.refused:
                self.stderr.write(f"the broker refused: {result.error}")
            return
        stopping = []
        # Stop between batches on SIGTERM (honcho, docker stop): a batch is one transaction.
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        self.stdout.write("relaying the outbox (Ctrl+C to stop)")
        with contextlib.suppress(KeyboardInterrupt):
            outbox.relay_forever(interval=interval, stop=lambda: bool(stopping))
