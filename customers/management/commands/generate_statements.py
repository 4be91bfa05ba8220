import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from customers.sales.services import statements


class Command(BaseCommand):
    help = "Generate the missing periodic statements of a period (idempotent), with progress."

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=["monthly", "quarterly"], default=None)
        parser.add_argument("--start", type=datetime.date.fromisoformat, default=None)

    def handle(self, *args, kind=None, start=None, **options):
        periods = (
            [(kind, start)] if kind and start else statements.due_periods(datetime.date.today())
        )
        for k, s in periods:
            try:
                run = statements.statements_generate(k, s, stdout=self.stdout)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            self.stdout.write(f"{k} {s}: created {run.done}, already there {run.skipped}\n")
