"""Prospect pages in the user menu's recently viewed list (crm.core.recent)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.core.recent import RecentKind

from .access import prospects_for


def _resolve(user, ids):
    rows = prospects_for(user).filter(pk__in=ids).values_list("pk", "name")
    return {pk: (name, reverse("customers:prospect-detail", args=[pk])) for pk, name in rows}


KIND = RecentKind("prospect", _("Prospect"), "person-plus", _resolve)
