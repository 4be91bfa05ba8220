"""Notifications the training sweep writes (crm.core.texts)."""

from django.utils.translation import gettext_lazy as _

from crm.core.texts import Text

TRAINING_EXPIRING = "training.expiring"
TRAINING_LAPSED = "training.lapsed"
TRAINING_LAPSED_LEAD = "training.lapsed_lead"

TEXTS = (
    Text(
        TRAINING_EXPIRING,
        _("Training “%(course)s” expires on %(date)s"),
        body=_("Please complete the course again before it expires."),
    ),
    Text(
        TRAINING_LAPSED,
        _("Training “%(course)s” lapsed on %(date)s"),
        body=_("This course is mandatory: please complete it as soon as possible."),
    ),
    Text(
        TRAINING_LAPSED_LEAD,
        _("%(name)s: training “%(course)s” lapsed on %(date)s"),
        body=_("A mandatory course of a member of your team has lapsed."),
    ),
)
