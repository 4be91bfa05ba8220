import time

from django.core.management.base import BaseCommand, CommandError

from complaints import figures


class Command(BaseCommand):
    help = (
        "Recompute the complaint statistics summary (MonthlyFigure) from the complaints, "
        "set-based. Database triggers keep it in step with every write; this repairs it after "
        "a restore with triggers disabled or a hand edit of the summary. --check only compares."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="report differences and change nothing"
        )

    def handle(self, *args, check=False, **options):
        started = time.monotonic()
        if check:
            diff = figures.drift()
            for (month, dim, key), v in sorted(diff.items())[:20]:
                self.stdout.write(
                    f"  {month:%Y-%m} {dim}={key}: {dict(zip(figures.MEASURES, v, strict=True))}"
                )
            if diff:
                raise CommandError(f"{len(diff)} figure(s) differ from the complaints")
            self.stdout.write(self.style.SUCCESS("complaint figures agree with the complaints"))
            return
        n = figures.rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"{n} complaint figures rebuilt in {time.monotonic() - started:.2f}s"
            )
        )
