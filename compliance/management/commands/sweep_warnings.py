from compliance.services.sweep import warning_sweep
from crm.core.management.dated import DatedCommand


class Command(DatedCommand):
    help = "Escalate open risk warnings whose verification deadline has passed (idempotent)."
    day_help = "sweep as of this date (YYYY-MM-DD), default today"

    def handle_day(self, today, **options):
        n = warning_sweep(today, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"{n} warnings escalated"))
