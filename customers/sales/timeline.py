"""What sales puts on the 360 timeline (crm.ui.timeline): statements sent to the customer."""

from django.db.models import CharField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.ui.registry import TimelineSource
from crm.ui.timeline import project

from .models import PeriodKind, Statement


def _statements(customer_id: int):
    return project(
        Statement.objects.filter(
            customer_id=customer_id, status=Statement.Status.SENT, sent_at__isnull=False
        ),
        source="statement",
        at="sent_at",
        code="period_kind",
        detail="sent_via",
        text=Cast("period_start", CharField()),
    )


def _describe_statement(row) -> str:
    return _("Statement sent (%(period)s from %(start)s, %(via)s)") % {
        "period": dict(PeriodKind.choices).get(row["code"], row["code"]),
        "start": row["text"],
        "via": dict(Statement.SentVia.choices).get(row["detail"], row["detail"]),
    }


SOURCES = (
    TimelineSource(
        "statement",
        "statements",
        gettext_lazy("Statements"),
        _statements,
        _describe_statement,
        "customers:statement-detail",
        permission="customers.view_statement",
        order=55,
    ),
)
