"""Recording a risk-tolerance assessment (DESIGN §5.1): valid 12 months, at most 2 a day and 8 in
12 months per customer (settings.FIDUCIA_ASSESSMENTS), audited; the latest sets the customer's
risk class."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record
from crm.core.config import fiducia
from customers.records.access import access_customer
from customers.records.models import Customer, RiskAssessment, RiskClass
from customers.records.validity import assessment_expires_on


def risk_assessment_create(
    acting_user, customer: Customer, *, risk_class: str, score: int | None = None, now=None
) -> RiskAssessment:
    require(
        acting_user,
        "customers.add_riskassessment",
        message=_("You may not record risk assessments."),
    )
    if risk_class not in RiskClass.values:
        raise ValidationError(_("Choose a risk class from C1 to C5."))
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        # The customer row lock serialises two RMs recording at the same moment.
        locked = access_customer(acting_user, customer.pk, for_write=True)
        history = RiskAssessment.objects.filter(customer=locked)
        day_start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
        per_day = fiducia("ASSESSMENTS", "PER_DAY")
        if history.filter(assessed_at__gte=day_start).count() >= per_day:
            raise ValidationError(
                _("At most %(n)d risk assessments a day are allowed for one customer.")
                % {"n": per_day}
            )
        per_year = fiducia("ASSESSMENTS", "PER_YEAR")
        # The rate limit's window ("in 12 months"), a rule of its own: not the validity.
        year_start = now - datetime.timedelta(days=365)
        if history.filter(assessed_at__gt=year_start).count() >= per_year:
            raise ValidationError(
                _("At most %(n)d risk assessments in 12 months are allowed for one customer.")
                % {"n": per_year}
            )
        assessment = RiskAssessment(
            customer=locked,
            risk_class=risk_class,
            score=score,
            assessed_at=now,
            valid_until=assessment_expires_on(today),
            assessed_by=acting_user,
        )
        # The column's range check: a score beyond it is the user's error, not a 500.
        assessment.full_clean()
        assessment.save()
        before = {"risk_class": locked.risk_class, "risk_assessed_on": str(locked.risk_assessed_on)}
        locked.risk_class, locked.risk_assessed_on = risk_class, today
        locked.save(update_fields=["risk_class", "risk_assessed_on", "updated_at"])
        record(
            acting_user,
            "customer.risk_assessed",
            locked,
            before=before,
            after={"risk_class": risk_class, "risk_assessed_on": str(today)},
        )
    return assessment
