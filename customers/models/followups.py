"""Follow-up tasks (回访/跟进), DESIGN §5.2."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FollowUpReason(models.TextChoices):
    CADENCE = "cadence", _("Service cadence")
    EVENT = "event", _("Event")
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

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="follow_ups"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    title = models.CharField(_("title"), max_length=200)
    reason = models.CharField(_("reason"), max_length=32, choices=FollowUpReason.choices)
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    notes = models.TextField(_("notes"), blank=True)
    skip_reason = models.TextField(_("reason for skipping"), blank=True)
    # Makes every trigger idempotent: one task per key ("maturity:<contract>:<date>", …).
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The interaction that completed the task (logged from the task, or linked when completing).
    interaction = models.ForeignKey(
        "customers.Interaction",
        verbose_name=_("interaction"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="completed_tasks",
    )
    # Set for cadence tasks: the rule whose gap created it (one open task per rule and customer).
    cadence_rule = models.ForeignKey(
        "customers.CadenceRule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        permissions = [("reassign_followuptask", _("Can reassign follow-up tasks"))]
        indexes = [
            models.Index(
                fields=["owner", "due_on"], name="task_open_owner_due", condition=Q(status="open")
            ),
            models.Index(fields=["customer", "status"], name="task_customer_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="skipped") | ~Q(skip_reason=""),
                name="task_skip_needs_reason",
            ),
        ]

    def __str__(self):
        return self.title

    def is_overdue_on(self, day) -> bool:
        """Overdue is computed, never stored: open and past its due date."""
        return self.status == self.Status.OPEN and self.due_on < day

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.is_overdue_on(timezone.localdate())
