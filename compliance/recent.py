"""Risk warning pages in the user menu's recently viewed list (crm.core.recent)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.core.recent import RecentKind

from .access import warnings_for


def _resolve(user, ids):
    rows = warnings_for(user).filter(pk__in=ids).values_list("pk", "title")
    return {
        pk: (f"#{pk} {title}", reverse("compliance:warning-detail", args=[pk]))
        for pk, title in rows
    }


KIND = RecentKind("warning", _("Risk warning"), "exclamation-triangle", _resolve)
