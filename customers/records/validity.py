"""How long a risk-tolerance assessment stays valid, defined once (DESIGN §5.1: 12 months,
`settings.FIDUCIA_ASSESSMENTS["VALID_MONTHS"]`).

An assessment made on day d is valid up to the day before `assessment_expires_on(d)`, d plus the
valid months (the 31st of a shorter month falls on its last day). Suitability, the "expiring
soon" filter, the renewal follow-ups and the stored `valid_until` all use these functions, so
they never disagree about a customer.
"""

import datetime

from crm.calendar import add_months
from crm.core.config import fiducia

_DAY = datetime.timedelta(days=1)


def assessment_valid_months() -> int:
    return fiducia("ASSESSMENTS", "VALID_MONTHS")


def assessment_expires_on(assessed_on: datetime.date) -> datetime.date:
    """The first day on which an assessment made on `assessed_on` is no longer valid."""
    return add_months(assessed_on, assessment_valid_months())


def assessed_between(
    first_expiry: datetime.date, last_expiry: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """The assessment dates (first, last; inclusive) whose expiry falls within
    [first_expiry, last_expiry]; first > last when none does (e.g. an expiry of 29 February).

    Expiry never decreases with the assessment date, so the dates form one range; its ends lie
    within a few days of the expiries moved back by the valid months (month-end clamping)."""
    months = assessment_valid_months()
    first = add_months(first_expiry, -months) - 3 * _DAY
    while add_months(first, months) < first_expiry:
        first += _DAY
    last = add_months(last_expiry, -months) + 3 * _DAY
    while add_months(last, months) > last_expiry:
        last -= _DAY
    return first, last


def assessed_on_expiring(expiry: datetime.date) -> list[datetime.date]:
    """Every assessment date whose validity ends on `expiry` (none, one, or several at a month's
    end: 28 and 29 February 2024 both expire on 28 February 2025)."""
    first, last = assessed_between(expiry, expiry)
    return [first + k * _DAY for k in range((last - first).days + 1)]
