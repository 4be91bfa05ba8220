"""What contacts and follow-ups put on the 360 timeline (crm.ui.timeline): contacts and
visits, and tasks done or skipped."""

from django.db.models.functions import Left
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.ui.registry import TimelineSource
from crm.ui.timeline import TEXT_LENGTH, project
from customers.records.models import FollowUpTask

from .models import Interaction, InteractionChannel, Purpose


def _interactions(customer_id: int):
    return project(
        Interaction.objects.filter(customer_id=customer_id),
        source="contact",
        at="occurred_at",
        link="customer_id",
        code="channel",
        detail="purpose",
        text=Left("summary", TEXT_LENGTH),
    )


def _describe_interaction(row) -> str:
    return _("%(channel)s · %(purpose)s: %(summary)s") % {
        "channel": dict(InteractionChannel.choices).get(row["code"], row["code"]),
        "purpose": dict(Purpose.choices).get(row["detail"], row["detail"]),
        "summary": row["text"],
    }


def _tasks(customer_id: int):
    closed = (FollowUpTask.Status.DONE, FollowUpTask.Status.SKIPPED)
    return project(
        FollowUpTask.objects.filter(
            customer_id=customer_id, status__in=closed, completed_at__isnull=False
        ),
        source="task",
        at="completed_at",
        link="customer_id",
        code="status",
        text="title",
    )


def _describe_task(row) -> str:
    if row["code"] == FollowUpTask.Status.SKIPPED:
        return _("Follow-up skipped: %(title)s") % {"title": row["text"]}
    return _("Follow-up done: %(title)s") % {"title": row["text"]}


SOURCES = (
    TimelineSource(
        "contact",
        "contacts",
        gettext_lazy("Contacts and visits"),
        _interactions,
        _describe_interaction,
        "customers:customer-detail",
        anchor="#panel-interactions",
        permission="customers.view_interaction",
        order=10,
    ),
    TimelineSource(
        "task",
        "tasks",
        gettext_lazy("Follow-ups"),
        _tasks,
        _describe_task,
        "customers:customer-detail",
        anchor="#panel-interactions",
        permission="customers.view_followuptask",
        order=15,
    ),
)
