import time

from complaints.services import complaints_sweep_deadlines
from crm.core.management.dated import DatedCommand


class Command(DatedCommand):
    help = "Warn before complaint deadlines and escalate breaches to compliance (idempotent)."
    day_option = "--today"
    day_help = "run as of this date (YYYY-MM-DD), for catch-up runs"

    def handle_day(self, day, **options):
        started = time.monotonic()
        result = complaints_sweep_deadlines(day, stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"breached {result['breached']}, escalated {result['escalated']}, "
                f"warned {result['warned']} in {time.monotonic() - started:.2f}s"
            )
        )
