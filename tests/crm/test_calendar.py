from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm import calendar
from crm.calendar import BusinessCalendar, missing_years
from crm.core.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


def test_received_on_saturday_before_national_day_2025():
    # DESIGN example: 15 calendar days from Sat 2025-09-20 end on 10-05, inside the holiday,
    # and move to the first working day after it.
    assert calendar.deadline(date(2025, 9, 20), 15) == date(2025, 10, 9)


def test_make_up_saturday_is_a_working_day():
    assert calendar.is_workday(date(2025, 9, 28))  # Sunday make-up day for National Day
    assert calendar.is_workday(date(2025, 10, 11))  # Saturday make-up day
    assert not calendar.is_workday(date(2025, 10, 1))
    assert not calendar.is_workday(date(2025, 10, 12))  # ordinary Sunday


def test_working_day_counting_skips_spring_festival_2026():
    # 2026 Spring Festival: 02-15 .. 02-23 off, 02-14 (Sat) and 02-28 (Sat) make-up days.
    assert not calendar.is_workday(date(2026, 2, 16))
    assert calendar.is_workday(date(2026, 2, 14))
    # From Fri 2026-02-13: 02-14 (make-up Sat) is the 1st, then 02-24 and 02-25.
    assert calendar.deadline(date(2026, 2, 13), 3, working_days=True) == date(2026, 2, 25)


def test_calendar_day_deadline_on_ordinary_weekend_moves_to_monday():
    # 2025-03-01 is a Saturday; +1 day is Sunday -> Monday 03-03.
    assert calendar.deadline(date(2025, 2, 28), 2) == date(2025, 3, 3)


def test_zero_days_is_the_start_or_next_workday():
    assert calendar.deadline(date(2025, 10, 1), 0) == date(2025, 10, 9)
    assert calendar.deadline(date(2025, 10, 9), 0, working_days=True) == date(2025, 10, 9)


def test_year_without_schedule_falls_back_to_weekends():
    assert calendar.missing_years([2025, 2031]) == [2031]
    assert calendar.is_workday(date(2031, 10, 1))  # a Wednesday, no loaded holiday
    assert not calendar.is_workday(date(2031, 10, 4))  # Saturday
    assert calendar.deadline(date(2031, 10, 3), 1) == date(2031, 10, 6)


def test_admin_edit_changes_the_answer():
    CalendarDay.objects.create(date=date(2031, 10, 1), kind=CalendarDay.Kind.HOLIDAY, name="x")
    assert not calendar.is_workday(date(2031, 10, 1))


def test_negative_days_refused():
    with pytest.raises(ValueError):
        calendar.deadline(date(2025, 1, 1), -1)


def test_official_years_loaded_by_migration():
    assert set(CalendarYear.objects.values_list("year", flat=True)) >= {2024, 2025, 2026}
    # 2024 National Day: Oct 1-7 off, Sep 29 (Sun) and Oct 12 (Sat) worked.
    assert not calendar.is_workday(date(2024, 10, 7))
    assert calendar.is_workday(date(2024, 10, 12))


# ---- Against the official schedule, day by day, and the counting rules as properties --------


def test_every_day_of_2024_to_2026_matches_the_state_council_schedule():
    cal = BusinessCalendar.load(date(2024, 1, 1), date(2026, 12, 31))
    day, wrong = date(2024, 1, 1), []
    while day <= date(2026, 12, 31):
        if cal.is_workday(day) != chinese_calendar.is_workday(day):
            wrong.append(day)
        day += timedelta(days=1)
    assert wrong == []


@pytest.mark.parametrize(
    ("start", "days", "working_days", "expected"),
    [
        # 2025 Spring Festival: 1-28 … 2-4 off, make-up Sunday 1-26 and Saturday 2-8.
        (date(2025, 1, 24), 2, False, date(2025, 1, 26)),  # make-up Sunday is a working day
        (date(2025, 1, 24), 5, False, date(2025, 2, 5)),  # 1-29 is a holiday → next workday
        (date(2025, 1, 24), 3, True, date(2025, 2, 5)),  # 1-26, 1-27, then 2-5
        (date(2025, 2, 7), 1, True, date(2025, 2, 8)),  # make-up Saturday counts
        # 2025 Labour Day: 5-1 … 5-5 off, make-up Sunday 4-27.
        (date(2025, 4, 25), 7, False, date(2025, 5, 6)),
        (date(2025, 4, 25), 2, True, date(2025, 4, 28)),
        # 2025 National Day + Mid-autumn: 10-1 … 10-8 off, make-up 9-28 and 10-11.
        (date(2025, 9, 30), 7, True, date(2025, 10, 16)),  # 10-9, 10, 11, 13, 14, 15, 16
        # 2026 Spring Festival: 2-15 … 2-23 off, make-up 2-14 and 2-28.
        (date(2026, 2, 13), 15, False, date(2026, 2, 28)),
        (date(2026, 2, 12), 2, True, date(2026, 2, 14)),
        # 2026 National Day: 10-1 … 10-7 off.
        (date(2026, 9, 30), 1, False, date(2026, 10, 8)),
        (date(2026, 9, 30), 1, True, date(2026, 10, 8)),
        # Across the year end into a year without schedule (weekends only).
        (date(2026, 12, 31), 2, False, date(2027, 1, 4)),
    ],
)
def test_deadlines_across_2025_and_2026_holidays(start, days, working_days, expected):
    assert calendar.is_workday(expected)
    assert calendar.deadline(start, days, working_days=working_days) == expected


def _check_against_the_schedule(start, days):
    """Independent oracle: chinese-calendar (covers 2004–2026)."""
    end = start + timedelta(days=days)
    while not chinese_calendar.is_workday(end):
        end += timedelta(days=1)
    return end


DAYS_2024_2026 = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 9, 30))


@settings(max_examples=60, deadline=None)
@given(start=DAYS_2024_2026, days=st.integers(min_value=0, max_value=60))
def test_calendar_day_deadline_property(start, days):
    cal = BusinessCalendar.load(date(2024, 1, 1), date(2026, 12, 31))
    result = cal.deadline(start, days)
    assert result == _check_against_the_schedule(start, days)
    assert result >= start + timedelta(days=days)
    assert cal.is_workday(result)


@settings(max_examples=60, deadline=None)
@given(start=DAYS_2024_2026, days=st.integers(min_value=1, max_value=40))
def test_working_day_deadline_property(start, days):
    cal = BusinessCalendar.load(date(2024, 1, 1), date(2026, 12, 31))
    result = cal.deadline(start, days, working_days=True)
    assert cal.is_workday(result)
    assert cal.workdays_between(start, result) == days
    assert cal.workdays_between(start, result - timedelta(days=1)) == days - 1


def test_bulk_calendar_is_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        cal = BusinessCalendar.load(date(2025, 1, 1), date(2025, 12, 31))
    with django_assert_num_queries(0):
        [cal.deadline(date(2025, 1, 1) + timedelta(days=i), 15) for i in range(300)]


def test_missing_years_and_load_calendar_command():
    from io import StringIO

    from django.core.management import call_command

    from crm.core.models import CalendarYear

    assert missing_years([2024, 2025, 2026, 2031]) == [2031]
    CalendarYear.objects.filter(year=2026).delete()
    CalendarDay.objects.filter(date__year=2026).delete()
    assert missing_years([2026]) == [2026]
    assert calendar.is_workday(date(2026, 10, 1)) is True  # weekday fallback while missing
    out = StringIO()
    call_command("load_calendar", "2026", stdout=out)
    assert "2026:" in out.getvalue()
    assert missing_years([2026]) == []
    assert not calendar.is_workday(date(2026, 10, 1))
    assert calendar.is_workday(date(2026, 2, 28))  # make-up Saturday
    before = CalendarDay.objects.count()
    call_command("load_calendar", "2026", stdout=StringIO())  # idempotent
    assert CalendarDay.objects.count() == before


def test_load_calendar_refuses_a_year_without_official_schedule():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="2031"):
        call_command("load_calendar", "2031")
