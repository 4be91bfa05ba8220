import datetime

from django.core.management.base import BaseCommand, CommandError

from crm.performance import services


class Command(BaseCommand):
    help = "Send training expiry reminders and lapse notices (each at most once)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="run as of this date (YYYY-MM-DD), default today")

    def handle(self, *args, date=None, **options):
        today = None
        if date:
            try:
                today = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from None
        counts = services.sweep_training(today)
        self.stdout.write(
            f"training sweep: {counts['expiring']} expiry reminders, {counts['lapsed']} lapse "
            f"notices sent, {counts['skipped']} already sent"
        )
