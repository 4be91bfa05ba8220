"""Target periods: a calendar year ("2026") or a quarter ("2026Q2"); the KPI snapshot also keeps
single months ("2026-07", the drill-down's trend)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone

from .models import MAX_YEAR, MIN_YEAR, add_months

_PATTERN = re.compile(r"^(\d{4})(?:[Qq]([1-4]))?$")


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None
    month: int | None = None  # a single month (snapshot and trend only; never a target period)

    @classmethod
    def parse(cls, text: str) -> Period:
        """ "2026" or "2026Q1"; ValueError for anything else."""
        match = _PATTERN.match((text or "").strip())
        if not match:
            raise ValueError(text)
        year = int(match.group(1))
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(text)
        return cls(year, int(match.group(2)) if match.group(2) else None)

    @classmethod
    def current_quarter(cls, today: datetime.date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(today.year, (today.month - 1) // 3 + 1)

    @property
    def is_month(self) -> bool:
        return self.month is not None

    @property
    def key(self) -> str:
        if self.month is not None:
            return f"{self.year}-{self.month:02d}"
        return f"{self.year}" if self.quarter is None else f"{self.year}Q{self.quarter}"

    def __str__(self):
        return self.key

    @property
    def start(self) -> datetime.date:
        if self.month is not None:
            return datetime.date(self.year, self.month, 1)
        month = 1 if self.quarter is None else 3 * (self.quarter - 1) + 1
        return datetime.date(self.year, month, 1)

    @property
    def end(self) -> datetime.date:
        """The last day of the period (inclusive)."""
        return add_months(self.start, self._month_count) - datetime.timedelta(days=1)

    @property
    def _month_count(self) -> int:
        if self.month is not None:
            return 1
        return 12 if self.quarter is None else 3

    def months(self) -> list[datetime.date]:
        """First days of the months in the period."""
        return [add_months(self.start, i) for i in range(self._month_count)]

    def months_until(self, today: datetime.date) -> list[datetime.date]:
        """The months of the period that have started by `today` (at least the first)."""
        started = [m for m in self.months() if m <= today]
        return started or self.months()[:1]


def month_period(day: datetime.date) -> Period:
    """The month containing `day`."""
    return Period(day.year, month=day.month)


def recent_periods(today: datetime.date | None = None, years: int = 2) -> list[Period]:
    """Choices for the period picker: this and previous years, each with its quarters."""
    today = today or timezone.localdate()
    out = []
    for year in range(today.year, today.year - years, -1):
        out.append(Period(year))
        out.extend(Period(year, q) for q in (4, 3, 2, 1) if Period(year, q).start <= today)
    return out
