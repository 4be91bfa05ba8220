"""Wiring of the feeds, called from CustomersConfig.ready(): grants, audit labels, navigation
and the Celery tasks."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "feed_run.received": _("Feed file received"),
    "feed_run.loaded": _("Feed loaded"),
    "feed_run.held": _("Feed held for review"),
    "feed_run.failed": _("Feed failed"),
    "feed_run.released": _("Held feed released"),
    "feed_run.rejected": _("Held feed rejected"),
}


def setup() -> None:
    from crm.accounts import roles
    from crm.audit.labels import register_actions
    from crm.ui.registry import NavItem, register
    from customers.records.feeds import tasks  # noqa: F401  (registers the Celery tasks)

    register_actions(ACTIONS)
    roles.grant_table(
        {
            roles.EVERYONE: ["customers.view_transaction"],
            # Operators of the feeds are the administrators; compliance and auditors read runs.
            roles.COMPLIANCE_OFFICER: ["customers.view_feedrun"],
            roles.AUDITOR: ["customers.view_feedrun"],
            roles.ADMINISTRATOR: ["customers.view_feedrun", "customers.release_feedrun"],
        }
    )
    register(
        NavItem(
            "feeds",
            _("Feeds"),
            "customers:feedrun-list",
            icon="cloud-download",
            order=80,
            permission="customers.view_feedrun",
            group="management",
        )
    )
