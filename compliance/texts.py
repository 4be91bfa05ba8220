"""Notifications compliance writes (crm.core.texts)."""

from django.utils.translation import gettext_lazy as _

from crm.core.texts import Text

from .models import Grade

WARNING_RAISED = "warning.raised"

TEXTS = (
    Text(
        WARNING_RAISED,
        _("%(grade)s warning: %(customer)s"),
        choices={"grade": dict(Grade.choices)},
    ),
)
