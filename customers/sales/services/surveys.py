"""Satisfaction surveys after visits, complaint closure and activities (issue 9 §7).

Upper apps record one with `survey_record(...)` (a downward call); the customer page shows the
results in a "customer_360" panel and the KPI dashboard reads the "satisfaction" metric.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record
from crm.core.access import NotFound
from crm.core.duplicates import refuse_duplicate
from customers.records.access import customers_for
from customers.records.models import Customer
from customers.sales.models import SatisfactionSurvey, SurveyContext


def survey_record(
    acting_user,
    customer: Customer,
    *,
    context: str,
    score,
    comment: str = "",
    reference: str = "",
    activity=None,
) -> SatisfactionSurvey:
    """Record one survey for a customer in the acting user's book. Bad input changes nothing."""
    require(
        acting_user, "customers.add_satisfactionsurvey", message=_("You may not record surveys.")
    )
    if context not in SurveyContext.values:
        raise ValidationError({"context": _("Choose the occasion of the survey.")})
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ValidationError({"score": _("The score is a whole number from 1 to 5.")})
    if activity is not None and not reference:
        reference = f"activity:{activity.pk}"
    with refuse_duplicate(_("A survey for this occasion has already been recorded.")):
        locked = customers_for(acting_user).filter(pk=customer.pk).first()
        if locked is None:
            raise NotFound
        survey = SatisfactionSurvey.objects.create(
            customer=locked,
            context=context,
            reference=(reference or "")[:80],
            activity=activity,
            score=score,
            comment=(comment or "").strip(),
            owner_id=locked.owner_id,
            recorded_by=acting_user,
        )
        record(acting_user, "survey.recorded", locked, after={"context": context, "score": score})
    return survey
