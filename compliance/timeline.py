"""What compliance puts on the 360 timeline (crm.ui.timeline): risk warnings raised and their
disposal steps."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.ui.registry import TimelineSource
from crm.ui.timeline import project

from .models import DisposalStep, Grade, RiskWarning


def _warnings(customer_id: int):
    return project(
        RiskWarning.objects.filter(customer_id=customer_id),
        source="warning",
        at="raised_at",
        code="grade",
        text="title",
    )


def _describe_warning(row) -> str:
    return _("%(grade)s warning raised: %(title)s") % {
        "grade": dict(Grade.choices).get(row["code"], row["code"]),
        "title": row["text"],
    }


def _steps(customer_id: int):
    return project(
        DisposalStep.objects.filter(warning__customer_id=customer_id),
        source="step",
        at="created_at",
        link="warning_id",
        code="kind",
        text="warning__title",
    )


def _describe_step(row) -> str:
    return _("Disposal step %(step)s: %(title)s") % {
        "step": dict(DisposalStep.Kind.choices).get(row["code"], row["code"]),
        "title": row["text"],
    }


SOURCES = (
    TimelineSource(
        "warning",
        "warnings",
        gettext_lazy("Risk warnings"),
        _warnings,
        _describe_warning,
        "compliance:warning-detail",
        permission="compliance.view_riskwarning",
        order=30,
    ),
    TimelineSource(
        "step",
        "warnings",
        gettext_lazy("Risk warnings"),
        _steps,
        _describe_step,
        "compliance:warning-detail",
        permission="compliance.view_riskwarning",
        order=31,
    ),
)
