import datetime

from django.core.management.base import BaseCommand

from compliance.services.sweep import warning_sweep


class Command(BaseCommand):
    help = "Escalate open risk warnings whose verification deadline has passed (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="sweep as of this date (YYYY-MM-DD), default today")

    def handle(self, *args, **options):
        today = datetime.date.fromisoformat(options["date"]) if options["date"] else None
        n = warning_sweep(today, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"{n} warnings escalated"))
