"""The scopes an API client may hold, and the Django permissions each one gives its service user.

A scope is checked twice: by the view (`HasScopes`, 403 problem+json without it) and, because the
service user holds exactly the permissions of its scopes, by the same services the web UI calls
(`require(user, perm)`), so the API has no second path around the rules. Permissions are named as
strings: crm must not import the apps above it.
"""

from django.utils.translation import gettext_lazy as _

SCOPES: dict[str, tuple] = {
    "read:customers": (_("Read customers (identifiers masked)"), ("customers.view_customer",)),
    "read:customers:pii": (
        _("Read customers' clear identifiers (audited per record)"),
        ("customers.view_customer", "customers.reveal_pii"),
    ),
    "read:tiers": (
        _("Read value class and VIP level with their explanation"),
        ("customers.view_customer", "tiering.view_tierassignment"),
    ),
    "read:tasks": (_("Read open follow-up tasks"), ("customers.view_followuptask",)),
    "read:complaints": (
        _("Read complaints' status and deadlines"),
        ("complaints.view_complaint",),
    ),
    "read:warnings": (_("Read risk warnings"), ("compliance.view_riskwarning",)),
    "write:interactions": (
        _("Log contacts and visits"),
        ("customers.view_customer", "customers.add_interaction"),
    ),
    "write:risk_signals": (
        _("Send risk signals"),
        ("compliance.view_risksignal", "compliance.import_signals"),
    ),
    # Upload a feed and read the state of feed runs (not customer data; docs/feeds.md).
    "write:feeds": (
        _("Upload core-banking feed files"),
        ("customers.add_feedrun", "customers.view_feedrun"),
    ),
}


def choices() -> list[tuple[str, str]]:
    return [(code, f"{code} — {label}") for code, (label, _perms) in SCOPES.items()]


def permissions_of(scopes) -> set[str]:
    return {perm for scope in scopes for perm in SCOPES[scope][1]}


def unknown(scopes) -> list[str]:
    return [s for s in scopes if s not in SCOPES]
