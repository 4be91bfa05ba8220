"""Customer 360 pages in the user menu's recently viewed list (crm.core.recent)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.core.recent import RecentKind

from .access import customers_for


def _resolve(user, ids):
    rows = customers_for(user).filter(pk__in=ids).values_list("pk", "name", "number")
    return {
        pk: (f"{name} {number}", reverse("customers:customer-detail", args=[pk]))
        for pk, name, number in rows
    }


KIND = RecentKind("customer", _("Customer"), "person", _resolve)
