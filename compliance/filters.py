"""Audit review filters: the audit app's filters plus a category of action (DESIGN §5.5)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.audit.filters import AuditEntryFilter

# What compliance asks about, as conditions on the action name.
CATEGORIES = {
    "reveal": (_("Reveals of personal information"), Q(action__contains="reveal")),
    "export": (_("Exports"), Q(action__contains="export")),
    "override": (_("Overrides"), Q(action__contains="override")),
    "reassign": (
        _("Reassignments and handovers"),
        Q(action__contains="reassign") | Q(action__contains="handover"),
    ),
    "permission": (
        _("Permission and role changes"),
        Q(action__startswith="user.permission") | Q(action__startswith="role."),
    ),
    "transition": (
        _("Workflow transitions"),
        Q(action__contains="transition")
        | Q(action__startswith="complaint")
        | Q(action__startswith="warning.")
        | Q(action__startswith="step.")
        | Q(action__startswith="watchlist."),
    ),
    "approval": (_("Approvals"), Q(action__startswith="approval.")),
    "import": (_("Imports"), Q(action__contains="import")),
}


class AuditReviewFilter(AuditEntryFilter):
    category = django_filters.ChoiceFilter(
        label=_("Category"),
        choices=[(k, v[0]) for k, v in CATEGORIES.items()],
        method="filter_category",
    )

    class Meta(AuditEntryFilter.Meta):
        fields = ["category", *AuditEntryFilter.Meta.fields]

    def filter_category(self, queryset, name, value):
        return queryset.filter(CATEGORIES[value][1])
