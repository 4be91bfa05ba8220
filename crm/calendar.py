"""Business-day calendar and deadline arithmetic (DESIGN §5.4, Civil Code counting).

A day is a working day unless the calendar table marks it a holiday, or it is a Saturday/Sunday
that the table does not mark as a make-up working day (调休). Years with no loaded schedule fall
back to plain weekends (and the admin home warns about them).

For many deadlines at once (sweeps), load a `BusinessCalendar` for the date range once and call
its methods, instead of the module functions that query per call.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

# Deadlines never run this far past the start; the window loaded for one computation.
_SPAN_PAD = 120


class BusinessCalendar:
    def __init__(self, holidays: set[date], workdays: set[date]):
        self.holidays = holidays
        self.workdays = workdays

    @classmethod
    def load(cls, start: date, end: date) -> BusinessCalendar:
        from crm.core.models import CalendarDay

        rows = CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "kind")
        holidays = {d for d, k in rows if k == CalendarDay.Kind.HOLIDAY}
        workdays = {d for d, k in rows if k == CalendarDay.Kind.WORKDAY}
        return cls(holidays, workdays)

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def next_workday(self, day: date) -> date:
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def deadline(self, start: date, days: int, *, working_days: bool = False) -> date:
        """The last day of a period of `days` beginning after `start` (start day not counted).

        Calendar days: start + days, moved to the next working day if that is a rest day.
        Working days: the `days`-th working day after start.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        if not working_days:
            return self.next_workday(start + timedelta(days=days))
        day, left = start, days
        while left:
            day += timedelta(days=1)
            if self.is_workday(day):
                left -= 1
        return day

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_workday(day)
        return count


def _around(start: date, days: int) -> BusinessCalendar:
    return BusinessCalendar.load(start, start + timedelta(days=days * 2 + _SPAN_PAD))


def is_workday(day: date) -> bool:
    return BusinessCalendar.load(day, day).is_workday(day)


def deadline(start: date, days: int, *, working_days: bool = False) -> date:
    return _around(start, days).deadline(start, days, working_days=working_days)


def missing_years(years) -> list[int]:
    """Which of these years have no loaded official schedule."""
    from crm.core.models import CalendarYear

    loaded = set(CalendarYear.objects.filter(year__in=list(years)).values_list("year", flat=True))
    return sorted(set(years) - loaded)


def load_official_year(year: int) -> tuple[int, int]:
    """Load the State Council schedule for `year` from the chinese-calendar package.

    Returns (holidays, make-up workdays) written. Idempotent; raises LookupError when the
    package has no schedule for that year.
    """
    import chinese_calendar
    from django.db import transaction

    from crm.core.models import CalendarDay, CalendarYear

    holidays = {d: n for d, n in chinese_calendar.holidays.items() if d.year == year}
    workdays = {d: n for d, n in chinese_calendar.workdays.items() if d.year == year}
    # Only make-up days on weekends change the Monday–Friday rule.
    workdays = {d: n for d, n in workdays.items() if d.weekday() >= 5}
    if not holidays:
        raise LookupError(year)
    with transaction.atomic():
        for day, name in holidays.items():
            CalendarDay.objects.update_or_create(
                date=day, defaults={"kind": CalendarDay.Kind.HOLIDAY, "name": _name(name)}
            )
        for day, name in workdays.items():
            CalendarDay.objects.update_or_create(
                date=day, defaults={"kind": CalendarDay.Kind.WORKDAY, "name": _name(name)}
            )
        CalendarYear.objects.update_or_create(
            year=year, defaults={"source": "chinese-calendar (State Council notice)"}
        )
    return len(holidays), len(workdays)


_HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
}


def _name(holiday: str) -> str:
    return _HOLIDAY_NAMES_ZH.get(holiday, holiday)


def add_months(day: date, months: int) -> date:
    """`day` plus whole months; the 31st of a shorter month falls on its last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )
