"""Registries that let upper apps plug into core pages without the core importing them.

- panels: fragments of a page (customer 360, home) loaded by URL name with htmx (DESIGN §3);
  slot "staff_detail" holds actions on a staff member's KPI page (reversed with the user's pk);
- navigation: the top menu, filtered by permission or role;
- metrics: team figures each app computes for the KPI dashboard;
- demo seeders: each app's part of `seed_demo`;
- providers: a figure an upper app owns and a lower page shows (the customer 360's monthly
  contribution comes from tiering's published policy);
- timeline sources: each app's events about one customer, merged into the 360 page's timeline
  by crm.ui.timeline (one UNION ALL query) without the page importing the app;
- keyboard shortcuts (crm.ui.shortcuts): listed in the `?` dialog, run by static/js/fiducia.js.
- search providers: one result group each of the global search (crm.ui.search), so a new
  kind of record (inquiries, issue 18) joins the search box by registering one.
Apps register from AppConfig.ready(), usually with one `register(...)` call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from .shortcuts import Shortcut, register_shortcut


@dataclass(frozen=True)
class Panel:
    slot: str  # "customer_360", "home", …
    key: str
    title: str
    url_name: str  # reversed with the page's object pk (or without args for "home")
    order: int = 50
    permission: str | None = None
    width: int = 12  # Bootstrap columns on large screens

    def visible_to(self, user) -> bool:
        return self.permission is None or user.has_perm(self.permission)


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    icon: str = "circle"
    order: int = 50
    permission: str | None = None
    roles: tuple[str, ...] = ()
    staff_only: bool = False
    group: str = ""  # a NavGroup key: shown in that group's drop-down menu

    def visible_to(self, user) -> bool:
        if self.staff_only and not user.is_staff:
            return False
        if self.permission and not user.has_perm(self.permission):
            return False
        return not self.roles or user.is_superuser or user.has_role(*self.roles)


@dataclass(frozen=True)
class NavGroup:
    """A drop-down in the top menu, holding the NavItems that name it; placed by `order`."""

    key: str
    label: str
    icon: str = "circle"
    order: int = 50


@dataclass(frozen=True)
class Metric:
    """A team figure. `compute(users, start, end)` returns {user_id: number} in a fixed number of
    queries (set-based), for the given staff and period."""

    # users: a list of User objects; start, end: dates, both inclusive. Users without a figure
    # may be left out. `aggregate` says how team totals combine: "sum" (counts, amounts) or
    # "mean" (rates, scores).
    #
    # The dashboard reads a snapshot (crm.performance) that a scheduled job fills for every
    # month, quarter and year, so the pages never run these queries themselves:
    # - `monthly(users, start, end)` returns {(user_id, first day of month): number}: for every
    #   month between start and end (whole months) what `compute` gives for that month alone, in
    #   ONE query grouped by owner and month. Without it the job calls `compute` per month.
    # - `additive`: a period's figure is the sum of its months' figures (counts), so the job
    #   adds up months instead of computing quarters and years again.
    # - `point_in_time`: the figure describes today whatever the period (cadence coverage), so
    #   the job computes it once for all periods.

    key: str
    label: str
    compute: Callable
    unit: str = ""
    order: int = 50
    higher_is_better: bool = True
    aggregate: str = "sum"
    monthly: Callable | None = None
    additive: bool = False
    point_in_time: bool = False


def month_of(field: str):
    """The first day of the month of `field` (a date, or a datetime taken in the current time
    zone) as a date: the grouping key of `Metric.monthly`."""
    from django.db.models import DateField
    from django.db.models.functions import TruncMonth

    return TruncMonth(field, output_field=DateField())


def per_owner_month(queryset, owner: str, when: str, value=None) -> dict:
    """{(owner id, first day of the month of `when`): value} in one grouped query, the shape
    `Metric.monthly` returns; `value` defaults to a row count."""
    from django.db.models import Count

    rows = queryset.values_list(owner, month_of(when)).annotate(v=value or Count("pk")).order_by()
    return {(who, month): v for who, month, v in rows}


def month_span(start, end):
    """First days of the months from `start`'s to `end`'s, inclusive."""
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


@dataclass(frozen=True)
class TimelineSource:
    """One kind of event on the customer 360 timeline (crm.ui.timeline).

    `rows(customer_id)` returns the events of that customer as a queryset projected with
    `crm.ui.timeline.project` (when, own id, linked object's id, three short strings);
    `describe(row)` turns one projected row (a dict: at, link, code, detail, text) into the
    entry's text in the reader's language, with no query. The entry links to `url_name`
    reversed with the row's link id (unless `with_id` is False), plus `anchor`.
    `kind` groups sources for the page's filter ("complaints" holds history and notices);
    `permission` hides the whole source from users without it (the customer itself was already
    found in the user's book, so its rows need no further scoping)."""

    key: str  # unique, short: it breaks ties between sources and travels in the page cursor
    kind: str
    kind_label: str
    rows: Callable
    describe: Callable
    url_name: str
    anchor: str = ""
    with_id: bool = True  # False: url_name takes no argument (a list the entry sits in)
    permission: str | None = None
    order: int = 50

    def visible_to(self, user) -> bool:
        return self.permission is None or user.has_perm(self.permission)


@dataclass(frozen=True)
class SearchProvider:
    """One result group of the global search (crm.ui.search).

    `search(user, term, limit)` returns at most `limit` `crm.ui.search.Hit`s, best first, in
    ONE query, through the same scoped selector as the group's own list (an RM never finds
    another RM's object) and without COUNT(*). `term` is a `crm.ui.search.Term`: free text,
    or only the keyed-hash token of an identifier (ID number, credit code, mobile…).
    `list_url(term)` is the group's own list filtered by the term, or None when that list has
    no search: the group's "more" link then opens the search page for this group alone."""

    key: str
    label: str
    search: Callable
    permission: str | None = None
    order: int = 50
    list_url: Callable | None = None

    def visible_to(self, user) -> bool:
        return self.permission is None or user.has_perm(self.permission)


@dataclass(frozen=True)
class DemoSeeder:
    key: str
    seed: Callable  # seed(*, stdout, customers: int, users: dict) -> None
    order: int = 50
    requires: tuple[str, ...] = field(default_factory=tuple)


_panels: dict[str, Panel] = {}
_nav: dict[str, NavItem] = {}
_nav_groups: dict[str, NavGroup] = {}
_metrics: dict[str, Metric] = {}
_demo: dict[str, DemoSeeder] = {}
_timeline: dict[str, TimelineSource] = {}
_providers: dict[str, Callable] = {}
_search: dict[str, SearchProvider] = {}

# Provider keys and what the function promises:
# "monthly_contribution": fn(aggregates) -> a contribution per MonthlyAggregate, in order, or
# None when there is nothing to compute it with (no published policy).
MONTHLY_CONTRIBUTION = "monthly_contribution"
# The tier run a loaded feed calls for (tiering provides both; the feed-run page asks):
# (kind, business_date) → {"as_of", "status", "url", "permission"} or None, and
# (kind, business_date, *, acting_user) → the queued run's date.
TIER_RUN_FOR_FEED = "tier_run_for_feed"
TIER_RUN_START = "tier_run_start"


def register_panel(panel: Panel) -> None:
    _panels[f"{panel.slot}:{panel.key}"] = panel


def panels_for(slot: str, user) -> list[Panel]:
    return sorted(
        (p for p in _panels.values() if p.slot == slot and p.visible_to(user)),
        key=lambda p: (p.order, p.key),
    )


def register_nav(item: NavItem) -> None:
    _nav[item.key] = item


def nav_for(user) -> list[NavItem]:
    return sorted((i for i in _nav.values() if i.visible_to(user)), key=lambda i: i.order)


def register_nav_group(group: NavGroup) -> None:
    _nav_groups[group.key] = group


def nav_group(key: str) -> NavGroup | None:
    return _nav_groups.get(key)


def register_metric(metric: Metric) -> None:
    _metrics[metric.key] = metric


def metrics() -> list[Metric]:
    return sorted(_metrics.values(), key=lambda m: (m.order, m.key))


def register_demo(seeder: DemoSeeder) -> None:
    _demo[seeder.key] = seeder


def demo_seeders() -> list[DemoSeeder]:
    return sorted(_demo.values(), key=lambda s: (s.order, s.key))


def register_timeline(source: TimelineSource) -> None:
    # The page orders sources by key in SQL and compares keys in Python for its cursor: plain
    # lowercase letters sort the same under every database collation.
    if not (source.key.isascii() and source.key.isalpha() and source.key.islower()):
        raise ValueError(f"timeline source keys are lowercase letters: {source.key!r}")
    _timeline[source.key] = source


def timeline_sources(user) -> list[TimelineSource]:
    return sorted(
        (s for s in _timeline.values() if s.visible_to(user)), key=lambda s: (s.order, s.key)
    )


def register_search(provider: SearchProvider) -> None:
    _search[provider.key] = provider


def search_providers(user) -> list[SearchProvider]:
    return sorted(
        (p for p in _search.values() if p.visible_to(user)), key=lambda p: (p.order, p.key)
    )


def register_provider(key: str, fn: Callable) -> None:
    _providers[key] = fn


def register(
    *entries: Panel
    | NavItem
    | NavGroup
    | Metric
    | DemoSeeder
    | TimelineSource
    | Shortcut
    | SearchProvider,
) -> None:
    """Register each entry in the registry of its type: what an app plugs into the core pages
    (menu items, panels, metrics, demo seeders, timeline sources, shortcuts, search groups), in
    one call."""
    for entry in entries:
        _REGISTER_BY_TYPE[type(entry)](entry)


_REGISTER_BY_TYPE = {
    Panel: register_panel,
    NavItem: register_nav,
    NavGroup: register_nav_group,
    Metric: register_metric,
    DemoSeeder: register_demo,
    TimelineSource: register_timeline,
    Shortcut: register_shortcut,
    SearchProvider: register_search,
}


def provider(key: str) -> Callable | None:
    """The registered function for `key`, or None: the page then goes without that figure."""
    return _providers.get(key)
