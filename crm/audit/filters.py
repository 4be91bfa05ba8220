import django_filters
from django.utils.translation import gettext_lazy as _

from crm.ui.widgets import NativeDateInput

from .models import AuditEntry


class AuditEntryFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(label=_("Action"), lookup_expr="startswith")
    actor = django_filters.CharFilter(label=_("Actor (username)"), field_name="actor__username")
    target_type = django_filters.CharFilter(label=_("Target type"))
    target_id = django_filters.CharFilter(label=_("Target id"))
    since = django_filters.DateFilter(
        label=_("From"), field_name="at", lookup_expr="date__gte", widget=NativeDateInput
    )
    until = django_filters.DateFilter(
        label=_("To"), field_name="at", lookup_expr="date__lte", widget=NativeDateInput
    )

    class Meta:
        model = AuditEntry
        fields = ["action", "actor", "target_type", "target_id", "since", "until"]
