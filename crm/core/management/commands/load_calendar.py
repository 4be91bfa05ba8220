from django.core.management.base import BaseCommand, CommandError

from crm.calendar import load_official_year


class Command(BaseCommand):
    help = "Load or update the official holiday and make-up workday schedule for a year."

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="+", type=int, help="e.g. 2026")

    def handle(self, *args, years, **options):
        for year in years:
            try:
                holidays, workdays = load_official_year(year)
            except LookupError:
                raise CommandError(
                    f"No official schedule for {year} in the chinese-calendar package; "
                    "upgrade it or enter the days in Django admin (Calendar days)."
                ) from None
            self.stdout.write(f"{year}: {holidays} holidays, {workdays} make-up working days")
