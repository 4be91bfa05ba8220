"""Registries that let upper apps plug into core pages without the core importing them.

- panels: fragments of a page (customer 360, home) loaded by URL name with htmx (DESIGN §3);
  slot "staff_detail" holds actions on a staff member's KPI page (reversed with the user's pk);
- navigation: the top menu, filtered by permission or role;
- metrics: team figures each app computes for the KPI dashboard;
- demo seeders: each app's part of `seed_demo`.
Apps register from AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


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

    key: str
    label: str
    compute: Callable
    unit: str = ""
    order: int = 50
    higher_is_better: bool = True
    aggregate: str = "sum"


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
