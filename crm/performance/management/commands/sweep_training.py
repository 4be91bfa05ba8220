from crm.core.management.dated import DatedCommand
from crm.performance import services


class Command(DatedCommand):
    help = "Send training expiry reminders and lapse notices (each at most once)."

    def handle_day(self, day, **options):
        counts = services.sweep_training(day)
        self.stdout.write(
            f"training sweep: {counts['expiring']} expiry reminders, {counts['lapsed']} lapse "
            f"notices sent, {counts['skipped']} already sent"
        )
