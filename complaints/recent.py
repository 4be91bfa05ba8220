"""Complaint pages in the user menu's recently viewed list (crm.core.recent): by reference,
never by the complainant's name."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.core.recent import RecentKind

from .access import complaints_for


def _resolve(user, ids):
    rows = complaints_for(user).filter(pk__in=ids).values_list("pk", "reference")
    return {pk: (ref, reverse("complaints:complaint-detail", args=[pk])) for pk, ref in rows}


KIND = RecentKind("complaint", _("Complaint"), "megaphone", _resolve)
