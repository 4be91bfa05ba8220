"""Contacts and visits (interaction log), cadence rules, reminder deliveries and calendar-feed
tokens (DESIGN §5.2)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.core.models import status_field
from crm.core.texts import render

from .texts import rule_name_code, rule_task_code


class InteractionChannel(models.TextChoices):
    VISIT = "visit", _("Visit")
    PHONE = "phone", _("Phone call")
    VIDEO = "video", _("Video call")
    EMAIL = "email", _("E-mail")
    WECHAT = "wechat", _("WeChat / IM")
    EVENT = "event", _("Event")
    BRANCH = "branch", _("Branch counter")


class Purpose(models.TextChoices):
    SERVICE = "service", _("Regular service")
    PRODUCT = "product", _("Product recommendation")
    MATURITY = "maturity", _("Maturity and reinvestment")
    KYC = "kyc", _("KYC / risk assessment")
    COMPLAINT = "complaint", _("Complaint follow-up")
    RISK = "risk", _("Risk warning")
    CARE = "care", _("Customer care")
    OTHER = "other", _("Other")


class Interaction(models.Model):
    """One contact or visit. Editable by its author within the edit window; audited."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="interactions",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=InteractionChannel.choices)
    occurred_at = models.DateTimeField(_("date and time"))
    purpose = models.CharField(
        pgettext_lazy("interaction", "purpose"), max_length=12, choices=Purpose.choices
    )
    summary = models.TextField(_("summary"))
    outcomes = models.TextField(_("outcomes"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff participants"),
        related_name="interactions",
        blank=True,
    )
    contacts = models.ManyToManyField(
        "customers.InstitutionContact",
        verbose_name=_("customer contacts"),
        related_name="interactions",
        blank=True,
    )
    # Individuals (or a contact not on file): who took part on the customer's side.
    other_participants = models.CharField(_("other participants"), max_length=200, blank=True)
    attachment = models.FileField(
        _("attachment"), upload_to="interactions/%Y/%m/", blank=True, max_length=200
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("logged at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="interaction_customer_time"),
            models.Index(fields=["created_by", "-occurred_at"], name="interaction_author_time"),
            models.Index(fields=["occurred_at"], name="interaction_time"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} {self.occurred_at:%Y-%m-%d} {self.customer_id}"


class CadenceRule(models.Model):
    """A service cadence obligation: at least `min_contacts` qualifying contacts in every rolling
    `period_months`. Rules with a VIP level apply to customers of that level and take precedence
    over tier rules; tier rules apply to customers of that tier whose VIP level has no rule."""

    name = models.CharField(_("name"), max_length=100)
    # A seeded rule's code (contacts.texts.RULES): its name and task title are shown in the
    # reader's language until an administrator rewords them (the admin then clears it).
    code = models.CharField(_("code"), max_length=40, blank=True, editable=False)
    tier = models.CharField(
        _("value class"), max_length=1, blank=True, choices=[("A", "A"), ("B", "B"), ("C", "C")]
    )
    vip_level = models.CharField(_("VIP level"), max_length=10, blank=True)
    period_months = models.PositiveSmallIntegerField(_("period (months)"))
    min_contacts = models.PositiveSmallIntegerField(_("contacts per period"), default=1)
    # Comma-separated channel codes that count; blank = every channel except e-mail.
    channels = models.CharField(_("qualifying channels"), max_length=100, blank=True)
    task_title = models.CharField(_("task title"), max_length=150)
    due_in_days = models.PositiveSmallIntegerField(_("due in (days)"), default=5)
    working_days = models.BooleanField(_("count working days"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("cadence rule")
        verbose_name_plural = _("cadence rules")
        ordering = ["vip_level", "tier", "period_months", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(tier="", vip_level=""), name="cadence_rule_has_selector"
            ),
            models.CheckConstraint(
                condition=Q(period_months__gte=1, min_contacts__gte=1), name="cadence_rule_positive"
            ),
        ]

    def __str__(self):
        return self.name_text

    @property
    def name_text(self) -> str:
        return render(rule_name_code(self.code), None, self.name) if self.code else self.name

    @property
    def task_title_text(self) -> str:
        if not self.code:
            return self.task_title
        return render(rule_task_code(self.code), None, self.task_title)

    def channel_list(self) -> list[str]:
        if self.channels.strip():
            return [c.strip() for c in self.channels.split(",") if c.strip()]
        return [c for c in InteractionChannel.values if c != InteractionChannel.EMAIL]


class ReminderDelivery(models.Model):
    """One reminder of one task on one channel on one day. The unique constraint is what makes
    delivery happen at most once: the row is claimed before anything is sent.

    E-mail goes pending/failed → sending (claim committed before the SMTP session) → sent or
    failed. A row still "sending" after a crash is never sent again by itself: the sweep marks it
    "unknown" for a person to check (its Message-ID is in the mail server's log) and re-queue."""

    class ChannelKind(models.TextChoices):
        IN_APP = "in_app", _("In-app notification")
        EMAIL = "email", _("E-mail")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("delivery", "Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Unknown (check the mail server)")
        SKIPPED = "skipped", _("Not sent: the task was closed first")

    task = models.ForeignKey(
        "customers.FollowUpTask", on_delete=models.CASCADE, related_name="reminders"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=ChannelKind.choices)
    day = models.DateField(_("day"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = status_field(Status.PENDING, max_length=8)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    claimed_at = models.DateTimeField(_("send started at"), null=True, blank=True)
    # The Message-ID of the digest that carried this reminder (one per send attempt).
    message_id = models.CharField(_("Message-ID"), max_length=250, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder delivery")
        verbose_name_plural = _("reminder deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["task", "channel", "day"], name="reminder_once_per_task_channel_day"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["pending", "sending", "sent", "failed", "unknown", "skipped"]
                ),
                name="reminder_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="reminder_sent_at"
            ),
            # A send in flight (or lost in a crash) always names its attempt.
            models.CheckConstraint(
                condition=~Q(status__in=["sending", "unknown"])
                | (Q(claimed_at__isnull=False) & ~Q(message_id="")),
                name="reminder_sending_claimed",
            ),
        ]
        indexes = [
            models.Index(
                fields=["day", "channel", "recipient"],
                name="reminder_unsent",
                condition=~Q(status="sent"),
            ),
            models.Index(
                fields=["claimed_at"], name="reminder_sending", condition=Q(status="sending")
            ),
        ]

    def __str__(self):
        return f"{self.task_id} {self.channel} {self.day}"


class CalendarFeedToken(models.Model):
    """The secret of a user's iCalendar feed. Only its SHA-256 is stored; regenerating replaces
    it (the old link stops working), deleting revokes the feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return f"{self.user}"
