"""The customer list as the shared list machinery sees it: optional columns, how a saved view
keeps its query (identifiers only as their keyed-hash token), and the bulk reassignment."""

from django.utils.translation import gettext_lazy as _

from crm.ui.bulk import BulkAction
from crm.ui.lists import NOT_KEPT, ListSpec
from customers.records import services
from customers.records.filters import search_params
from customers.records.forms import CustomerBulkReassignForm

CUSTOMERS = "customers:customer-list"


def kept_query(params) -> dict:
    """The list's query as a saved view keeps it: as the list's own URL shows it (an ID number,
    mobile or credit code searched for only as its token), without cursor or columns."""
    return {k: v for k, v in search_params(params).items() if k not in NOT_KEPT}


CUSTOMER_LIST = ListSpec(
    CUSTOMERS,
    _("Customers"),
    columns={
        "kind": _("Kind"),
        "tier": _("Class"),
        "vip": _("VIP"),
        "risk": _("Risk class"),
        "aum": _("AUM"),
        "mobile": _("Mobile"),
        "owner": _("RM"),
        "branch": _("Branch"),
    },
    clean=kept_query,
    permission="customers.view_customer",
)


def _reassign(user, ids, *, owner, reason):
    return services.customers_reassign(user, ids, owner, reason=reason)


CUSTOMER_ACTIONS = (
    BulkAction(
        CUSTOMERS,
        "reassign",
        _("Reassign"),
        "customers.reassign_customer",
        _reassign,
        CustomerBulkReassignForm,
        done=_("%(n)d customers reassigned."),
        icon="people",
    ),
)
