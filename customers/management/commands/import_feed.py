"""`python manage.py import_feed KIND PATH --business-date YYYY-MM-DD`: the operator's way to
load one feed file now (the beat pickup of the inbox does the same for files dropped there)."""

import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from customers.records.feeds import services
from customers.records.feeds.models import FeedKind, FeedRun
from customers.records.feeds.selectors import error_rows


class Command(BaseCommand):
    help = "Receive a core-banking feed file into the inbox and load it (docs/feeds.md)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=FeedKind.values)
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--business-date", type=datetime.date.fromisoformat, required=True, dest="day"
        )
        parser.add_argument(
            "--queue", action="store_true", help="only receive it; a worker loads it"
        )

    def handle(self, *args, kind, path, day, queue=False, **options):
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        with path.open("rb") as source:
            try:
                run = services.feed_receive(
                    kind=kind, business_date=day, filename=path.name, content=source
                )
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        if run.duplicate:
            self.stdout.write(
                f"Already received as run #{run.pk} ({run.get_state_display()}): nothing changed."
            )
            return
        if queue:
            self.stdout.write(f"Run #{run.pk} received; a worker loads it.")
            return
        run = services.feed_load(
            run.pk, progress=lambda n: self.stdout.write(f"  {n:,} rows read…")
        )
        self.stdout.write(
            f"Run #{run.pk}: {run.get_state_display()}; rows {run.rows}, loaded {run.loaded}, "
            f"rejected {run.rejected}, unknown customers {run.unknown_customers}"
            + (f", {run.duration.total_seconds():.1f} s" if run.duration else "")
        )
        if run.message:
            self.stdout.write(run.message)
        for e in error_rows(run)[:20]:
            self.stdout.write(f"  row {e['row']} {e['column']}: {e['reason']} ({e['value']})")
        if run.state in (FeedRun.State.FAILED, FeedRun.State.HELD):
            raise CommandError(f"Run #{run.pk} is {run.state}.")
