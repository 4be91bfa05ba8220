"""A base for the management commands that run a sweep as of a day (today unless told)."""

import datetime

from django.core.management.base import BaseCommand, CommandError


class DatedCommand(BaseCommand):
    """Takes `day_option` (YYYY-MM-DD, default today) and calls `handle_day(day, **options)` with
    it as a date, or None for today (the services' own default); a malformed date stops the
    command with a CommandError."""

    day_option = "--date"
    day_help = "run as of this date (YYYY-MM-DD), default today"

    def add_arguments(self, parser):
        parser.add_argument(self.day_option, help=self.day_help)

    def handle(self, *args, **options):
        value = options.pop(self.day_option.lstrip("-").replace("-", "_"))
        day = None
        if value:
            try:
                day = datetime.date.fromisoformat(value)
            except ValueError:
                raise CommandError(f"{self.day_option} must be YYYY-MM-DD, not {value!r}") from None
        return self.handle_day(day, **options)

    def handle_day(self, day: datetime.date | None, **options):
        raise NotImplementedError
