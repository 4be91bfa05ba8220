"""Follow-up tasks (回访/跟进), DESIGN §5.2."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.core import texts
from crm.core.models import optional_user, status_field


class FollowUpReason(models.TextChoices):
    CADENCE = "cadence", _("Service cadence")
    EVENT = "event", pgettext_lazy("follow-up reason", "Event")
    MATURITY = "maturity", _("Product maturity")
    KYC_RENEWAL = "kyc_renewal", _("Risk assessment renewal")
    ID_EXPIRY = "id_expiry", _("ID document expiry")
    BIRTHDAY = "birthday", _("Birthday")
    COMPLAINT_SATISFACTION = "complaint_satisfaction", _("Complaint satisfaction call")
    RISK_WARNING = "risk_warning", _("Risk warning visit")
    MANUAL = "manual", _("Manual")


class FollowUpTask(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")

    # Indexed by task_customer_status (customer first): a single-column index would only cost
    # the daily sweep's bulk insert.
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="follow_ups", db_index=False
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
        db_index=False,  # task_owner_status_due starts with it
    )
    title = models.CharField(_("title"), max_length=200)
    # A generated title as a code and parameters (crm.core.texts), shown in each reader's
    # language; `title` keeps the default-language text (and is all a manual task has).
    text_code = models.CharField(max_length=60, blank=True, db_default="")
    text_params = models.JSONField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=32, choices=FollowUpReason.choices)
    due_on = models.DateField(_("due on"))
    status = status_field(Status.OPEN)
    notes = models.TextField(_("notes"), blank=True)
    skip_reason = models.TextField(_("reason for skipping"), blank=True)
    # Makes every trigger idempotent: one task per key ("maturity:<contract>:<date>", …).
    # (A UniqueConstraint, not unique=True: no second, pattern-ops index on PostgreSQL.)
    dedupe_key = models.CharField(max_length=120, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = optional_user(
        on_delete=models.SET_NULL,
        db_index=False,  # partial index below: open tasks (the bulk) are not in it
    )
    # The interaction that completed the task (logged from the task, or linked when completing).
    interaction = models.ForeignKey(
        "customers.Interaction",
        verbose_name=_("interaction"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="completed_tasks",
        db_index=False,  # partial index below
    )
    # Set for cadence tasks: the rule whose gap created it (one open cadence task per customer).
    cadence_rule = models.ForeignKey(
        "customers.CadenceRule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        # Not indexed: only deleting a rule (rare; rules are deactivated) looks tasks up by it.
        db_index=False,
    )

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        permissions = [("reassign_followuptask", _("Can reassign follow-up tasks"))]
        indexes = [
            # Task lists and My day (owner, status, ordered by due date) and owner look-ups, in
            # one index: each index costs the sweep's bulk insert of a backlog.
            models.Index(fields=["owner", "status", "due_on"], name="task_owner_status_due"),
            models.Index(fields=["customer", "status"], name="task_customer_status"),
            models.Index(
                fields=["completed_by"],
                name="task_completed_by",
                condition=Q(completed_by__isnull=False),
            ),
            models.Index(
                fields=["interaction"],
                name="task_interaction",
                condition=Q(interaction__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="skipped") | ~Q(skip_reason=""),
                name="task_skip_needs_reason",
            ),
            models.UniqueConstraint(fields=["dedupe_key"], name="task_dedupe_key"),
            # At most one open cadence task per customer, whichever rule created it: a tier
            # change retires the previous rule's task (cadence.supersede_cadence_tasks) before
            # the new rule's gap is inserted. The sweep's INSERT … ON CONFLICT DO NOTHING relies
            # on it instead of an anti-join.
            models.UniqueConstraint(
                fields=["customer"],
                name="task_one_open_cadence_per_customer",
                condition=Q(status="open", reason="cadence"),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def title_text(self) -> str:
        return texts.render(self.text_code, self.text_params, self.title)

    def is_overdue_on(self, day) -> bool:
        """Overdue is computed, never stored: open and past its due date."""
        return self.status == self.Status.OPEN and self.due_on < day

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.is_overdue_on(timezone.localdate())
