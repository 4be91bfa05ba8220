import datetime
import time

from django.core.management.base import BaseCommand, CommandError

from complaints.services import complaints_sweep_deadlines


class Command(BaseCommand):
    help = "Warn before complaint deadlines and escalate breaches to compliance (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="run as of this date (YYYY-MM-DD), for catch-up runs")

    def handle(self, *args, today=None, **options):
        day = None
        if today:
            try:
                day = datetime.date.fromisoformat(today)
            except ValueError as exc:
                raise CommandError("--today must be YYYY-MM-DD") from exc
        started = time.monotonic()
        result = complaints_sweep_deadlines(day, stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"breached {result['breached']}, escalated {result['escalated']}, "
                f"warned {result['warned']} in {time.monotonic() - started:.2f}s"
            )
        )
