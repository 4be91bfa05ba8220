from django.core.management.base import CommandError

from crm.core.management.dated import DatedCommand
from crm.performance import services
from crm.performance.models import MAX_YEAR, MIN_YEAR


class Command(DatedCommand):
    help = (
        "Recompute the team KPI snapshot the dashboard reads: every month, quarter and year of "
        "this and last year (or of --year), or with --current only the periods containing today."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--year", type=int, action="append", help="a year to recompute (repeatable)"
        )
        parser.add_argument(
            "--current", action="store_true", help="only this month, quarter and year"
        )
        super().add_arguments(parser)

    def handle_day(self, today, *, year=None, current=False, **options):
        if year and current:
            raise CommandError("--year and --current cannot be combined")
        for y in year or ():
            if not MIN_YEAR <= y <= MAX_YEAR:
                raise CommandError(f"--year must be between {MIN_YEAR} and {MAX_YEAR}, not {y}")
        counts = services.refresh_figures(years=year, current=current, today=today)
        self.stdout.write(
            f"KPI snapshot: {counts['figures']} figures for {counts['staff']} staff members "
            f"over {counts['periods']} periods"
        )
