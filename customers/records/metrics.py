"""Team figures of the customers app for the KPI dashboard (crm.ui.registry Metric).

Both are set-based: a fixed number of queries for any number of staff members.

- new customers: customers an RM owns that were created in the period;
- AUM growth: the RM's book's average balance in the last month of the period that has figures,
  minus the book's average balance in the month before the period. Customers count for their
  current owner (a reassigned customer's history moves with it), so growth is "what the book I
  hold now gained", the figure a branch head compares against the target.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.ui.registry import Metric, month_span, per_owner_month, register_metric
from customers.records.models import Customer, MonthlyAggregate

NEW_CUSTOMERS = "new_customers"
AUM_GROWTH = "aum_growth"


def _ids(users) -> list[int]:
    return [u.pk for u in users]


def _bounds(start: datetime.date, end: datetime.date):
    """Aware datetimes [start 00:00, end+1 00:00) in the current time zone."""
    tz = timezone.get_current_timezone()
    lower = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    upper = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    return lower, upper


def new_customers(users, start, end) -> dict[int, int]:
    lower, upper = _bounds(start, end)
    rows = (
        Customer.objects.filter(
            owner_id__in=_ids(users), created_at__gte=lower, created_at__lt=upper
        )
        .values("owner_id")
        .annotate(n=Count("pk"))
        .values_list("owner_id", "n")
    )
    return dict(rows)


def new_customers_monthly(users, start, end) -> dict[tuple[int, datetime.date], int]:
    lower, upper = _bounds(start, end)
    return per_owner_month(
        Customer.objects.filter(
            owner_id__in=_ids(users), created_at__gte=lower, created_at__lt=upper
        ),
        "owner_id",
        "created_at",
    )


def _month_before(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def aum_growth(users, start, end) -> dict[int, Decimal]:
    """One query: per owner, the book's summed average balance in the closing month minus that in
    the month before the period. The closing month (the last month of the period with any
    figures) is a scalar subquery answered from the (month, customer) index, so only two months
    of aggregates are read, for a quarter or a year alike."""
    ids = _ids(users)
    if not ids:
        return {}
    first = start.replace(day=1)
    base = _month_before(first)
    closing = Subquery(
        MonthlyAggregate.objects.filter(month__gte=first, month__lte=end)
        .order_by("-month")
        .values("month")[:1]
    )
    rows = list(
        MonthlyAggregate.objects.filter(customer__owner_id__in=ids)
        .filter(Q(month=base) | Q(month=closing))
        .values("customer__owner_id")
        .annotate(
            closing=Sum("average_balance", filter=Q(month=closing), default=Decimal(0)),
            opening=Sum("average_balance", filter=Q(month=base), default=Decimal(0)),
            closing_rows=Count("pk", filter=Q(month=closing)),
        )
        .values_list("customer__owner_id", "closing", "opening", "closing_rows")
    )
    growth = {owner: closing - opening for owner, closing, opening, _n in rows}
    # No figures at all inside the period: nothing to report (not "everything left").
    if not any(n for *_rest, n in rows):
        return {}
    return growth


def aum_growth_monthly(users, start, end) -> dict[tuple[int, datetime.date], Decimal]:
    """Each month's growth on its own (aum_growth for that month): the book's balance in the
    month minus that in the month before, for months with any figures. One query: the book's
    balance per owner and month. It groups every owner's customers, not only `users`', because
    "a month with figures" means any figures at all, as in aum_growth; the snapshot job asks for
    all staff anyway."""
    ids = set(_ids(users))
    months = month_span(start, end)
    if not ids or not months:
        return {}
    rows = (
        MonthlyAggregate.objects.filter(month__gte=_month_before(months[0]), month__lte=end)
        .values_list("customer__owner_id", "month")
        .annotate(balance=Sum("average_balance"))
        .order_by()
    )
    book, loaded = {}, set()
    for owner, month, balance in rows:
        loaded.add(month)
        if owner in ids:
            book[(owner, month)] = balance
    out = {}
    for month in months:
        if month not in loaded:
            continue
        before = _month_before(month)
        for owner in {o for o, m in book if m in (month, before)}:
            out[(owner, month)] = book.get((owner, month), Decimal(0)) - book.get(
                (owner, before), Decimal(0)
            )
    return out


def register_metrics() -> None:
    register_metric(
        Metric(
            NEW_CUSTOMERS,
            _("New customers"),
            new_customers,
            order=10,
            monthly=new_customers_monthly,
            additive=True,
        )
    )
    register_metric(
        Metric(
            AUM_GROWTH,
            _("AUM growth"),
            aum_growth,
            unit=_("CNY"),
            order=20,
            monthly=aum_growth_monthly,
        )
    )
