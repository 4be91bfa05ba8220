"""Sales and service management (issue 9): lifecycle and pipeline, marketing channels and
activities, handover when an RM leaves, periodic statements, satisfaction surveys."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.core.models import optional_user, status_field
from crm.identifiers import mask_contact, protected

# ---- lifecycle and pipeline -----------------------------------------------------------------


class LifecycleStage(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ONBOARDING = "onboarding", _("Onboarding")
    ACTIVE = "active", pgettext_lazy("lifecycle", "Active")
    DORMANT = "dormant", _("Dormant")
    EXITED = "exited", _("Exited")


class ProspectSource(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    CHANNEL = "channel", _("Channel")
    ACTIVITY = "activity", _("Marketing activity")
    WALK_IN = "walk_in", _("Walk-in")


class Channel(models.Model):
    """A marketing channel: an own branch, a partner institution or an online channel."""

    class Kind(models.TextChoices):
        OWN_BRANCH = "own_branch", _("Own branch")
        PARTNER = "partner", _("Partner institution")
        ONLINE = "online", _("Online")

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    branch = models.ForeignKey(
        "accounts.Branch",
        verbose_name=_("responsible branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    partner_name = models.CharField(_("partner institution"), max_length=200, blank=True)
    agreement_number = models.CharField(_("agreement number"), max_length=60, blank=True)
    agreement_starts_on = models.DateField(_("agreement starts on"), null=True, blank=True)
    agreement_ends_on = models.DateField(_("agreement ends on"), null=True, blank=True)
    commission_rate = models.DecimalField(
        _("commission rate"), max_digits=6, decimal_places=4, default=0
    )
    commission_terms = models.TextField(_("commission terms"), blank=True)
    risk_notes = models.TextField(_("channel risk notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("marketing channel")
        verbose_name_plural = _("marketing channels")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="partner") | ~Q(partner_name=""),
                name="channel_partner_named",
            ),
            models.CheckConstraint(
                condition=Q(commission_rate__gte=0, commission_rate__lte=1),
                name="channel_commission_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(agreement_ends_on__isnull=True)
                | Q(agreement_starts_on__isnull=True)
                | Q(agreement_ends_on__gte=models.F("agreement_starts_on")),
                name="channel_agreement_dates",
            ),
        ]

    def __str__(self):
        return self.name


class ChannelEvaluation(models.Model):
    """Periodic evaluation of a channel: four scores 1–5, a weighted overall score and a rating."""

    class Rating(models.TextChoices):
        EXCELLENT = "A", _("A · keep and expand")
        ADEQUATE = "B", _("B · keep")
        POOR = "C", _("C · under review")

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="evaluations")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    volume_score = models.PositiveSmallIntegerField(_("business volume"))
    quality_score = models.PositiveSmallIntegerField(_("customer quality"))
    compliance_score = models.PositiveSmallIntegerField(_("compliance"))
    service_score = models.PositiveSmallIntegerField(_("service"))
    overall = models.DecimalField(_("overall score"), max_digits=4, decimal_places=2)
    rating = models.CharField(_("rating"), max_length=1, choices=Rating.choices)
    prospects = models.PositiveIntegerField(_("prospects in period"), default=0)
    aum_raised = models.DecimalField(_("AUM raised"), max_digits=18, decimal_places=2, default=0)
    comment = models.TextField(_("comment"), blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    evaluated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("channel evaluation")
        verbose_name_plural = _("channel evaluations")
        ordering = ["-period_end"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "period_end"], name="channel_eval_period"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="channel_eval_dates"
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{f}__gte": 1, f"{f}__lte": 5}), name=f"channel_eval_{f}"
                )
                for f in ("volume_score", "quality_score", "compliance_score", "service_score")
            ],
        ]

    def __str__(self):
        return f"{self.channel} {self.period_end:%Y-%m}"


class Activity(models.Model):
    class Kind(models.TextChoices):
        PRODUCT_LAUNCH = "launch", _("Product launch")
        SEMINAR = "seminar", _("Client seminar")
        LECTURE = "lecture", _("Lecture")
        PROMOTION = "promotion", _("Promotion")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    channel = models.ForeignKey(
        Channel,
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="organised_activities",
    )
    branch = models.ForeignKey(
        "accounts.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts at"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, default=0)
    actual_cost = models.DecimalField(_("actual cost"), max_digits=14, decimal_places=2, default=0)
    description = models.TextField(_("description"), blank=True)
    status = status_field(Status.PLANNED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("marketing activity")
        verbose_name_plural = _("marketing activities")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__gte=0, actual_cost__gte=0), name="activity_money_nonnegative"
            )
        ]
        indexes = [models.Index(fields=["branch", "-starts_at"], name="activity_branch_start")]

    def __str__(self):
        return self.title


class ActivityInvitation(models.Model):
    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        REGISTERED = "registered", _("Registered")
        ATTENDED = "attended", _("Attended")
        DECLINED = "declined", _("Declined")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="activity_invitations"
    )
    status = status_field(Status.INVITED)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_at = models.DateTimeField(auto_now_add=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    attended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("activity invitation")
        verbose_name_plural = _("activity invitations")
        constraints = [
            models.UniqueConstraint(fields=["activity", "customer"], name="invitation_unique")
        ]
        indexes = [models.Index(fields=["customer"], name="invitation_customer")]

    def __str__(self):
        return f"{self.activity} · {self.customer}"


class Prospect(models.Model):
    """A pipeline entry. On conversion it links to the new Customer and stays as its history."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"),
        max_length=12,
        choices=[("individual", _("Individual")), ("institution", _("Institution"))],
        default="individual",
    )
    # Contact details (a phone, an e-mail) are personal information: encrypted, masked for display.
    contact_encrypted = models.TextField(blank=True, editable=False)
    contact_masked = models.CharField(
        _("contact details"), max_length=120, blank=True, editable=False
    )
    source = models.CharField(_("source"), max_length=10, choices=ProspectSource.choices)
    channel = models.ForeignKey(
        Channel,
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="prospects",
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="prospects",
    )
    referred_by = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("referred by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("relationship manager"),
        on_delete=models.PROTECT,
        related_name="prospects",
    )
    branch = models.ForeignKey("accounts.Branch", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stage = models.CharField(
        _("stage"), max_length=12, choices=LifecycleStage.choices, default=LifecycleStage.PROSPECT
    )
    expected_aum = models.DecimalField(
        _("expected AUM"), max_digits=18, decimal_places=2, default=0
    )
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    next_step_on = models.DateField(_("next step due"), null=True, blank=True)
    win_reason = models.CharField(_("win reason"), max_length=200, blank=True)
    loss_reason = models.CharField(_("loss reason"), max_length=200, blank=True)
    aum_raised = models.DecimalField(_("AUM raised"), max_digits=18, decimal_places=2, default=0)
    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="prospect",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    stage_changed_at = models.DateTimeField(auto_now_add=True)
    converted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("prospect")
        verbose_name_plural = _("prospects")
        indexes = [
            models.Index(fields=["owner", "stage"], name="prospect_owner_stage"),
            models.Index(fields=["team", "stage"], name="prospect_team_stage"),
            models.Index(fields=["branch", "stage"], name="prospect_branch_stage"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_aum__gte=0, aum_raised__gte=0),
                name="prospect_amounts_nonnegative",
            ),
            models.CheckConstraint(
                condition=~Q(source="channel") | Q(channel__isnull=False),
                name="prospect_channel_source",
            ),
            models.CheckConstraint(
                condition=~Q(source="activity") | Q(activity__isnull=False),
                name="prospect_activity_source",
            ),
            models.CheckConstraint(
                condition=~Q(stage="active") | Q(customer__isnull=False),
                name="prospect_active_has_customer",
            ),
            models.CheckConstraint(
                condition=~Q(stage__in=["dormant"]), name="prospect_never_dormant"
            ),
        ]

    def __str__(self):
        return self.name

    # Clear only for the owner's audited reveal.
    contact = protected(mask_contact)


class CustomerLifecycle(models.Model):
    """Lifecycle stage of an existing customer (active, dormant, exited). A customer without a row
    is active: rows exist for converted prospects and every customer whose stage changed."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, primary_key=True, related_name="lifecycle"
    )
    stage = models.CharField(_("stage"), max_length=12, choices=LifecycleStage.choices)
    since = models.DateTimeField(_("since"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("customer lifecycle")
        verbose_name_plural = _("customer lifecycles")
        indexes = [models.Index(fields=["stage"], name="lifecycle_stage")]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__in=["active", "dormant", "exited"]),
                name="lifecycle_customer_stages",
            )
        ]

    def __str__(self):
        return f"{self.customer_id} {self.stage}"


class LifecycleEvent(models.Model):
    """One transition. Rows of a prospect get its customer on conversion: the history stays."""

    prospect = models.ForeignKey(
        Prospect, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="lifecycle_events",
    )
    from_stage = models.CharField(max_length=12, choices=LifecycleStage.choices, blank=True)
    to_stage = models.CharField(max_length=12, choices=LifecycleStage.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    actor = optional_user(on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lifecycle event")
        verbose_name_plural = _("lifecycle events")
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["customer", "at"], name="lifecycle_event_customer"),
            models.Index(fields=["prospect", "at"], name="lifecycle_event_prospect"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(prospect__isnull=False) | Q(customer__isnull=False),
                name="lifecycle_event_subject",
            )
        ]

    def __str__(self):
        return f"{self.from_stage or '—'} → {self.to_stage}"


# ---- handover -------------------------------------------------------------------------------


class HandoverPlan(models.Model):
    class Reason(models.TextChoices):
        LEAVING = "leaving", _("Leaves the institution")
        ROLE_CHANGE = "role_change", _("Changes role")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    departing = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("departing staff member"),
        on_delete=models.PROTECT,
        related_name="handovers_out",
    )
    default_successor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("default successor"),
        on_delete=models.PROTECT,
        related_name="handovers_default",
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    note = models.TextField(_("general handover note"), blank=True)
    status = status_field(Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_by = optional_user(on_delete=models.PROTECT)
    completed_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("handover plan")
        verbose_name_plural = _("handover plans")
        ordering = ["-created_at"]
        permissions = [("manage_handover", _("Can plan and complete handovers"))]
        constraints = [
            # One open plan per departing person.
            models.UniqueConstraint(
                fields=["departing"], condition=Q(status="draft"), name="handover_one_draft"
            ),
            models.CheckConstraint(
                condition=~Q(departing=models.F("default_successor")),
                name="handover_successor_differs",
            ),
        ]

    def __str__(self):
        return f"{self.departing} → {self.default_successor}"


class HandoverItem(models.Model):
    plan = models.ForeignKey(HandoverPlan, on_delete=models.CASCADE, related_name="items")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="handover_items"
    )
    successor = optional_user(
        _("successor"),
        on_delete=models.PROTECT,
        help_text=_("Empty: the plan's default successor."),
    )
    note = models.TextField(_("handover note"), blank=True)

    class Meta:
        verbose_name = _("handover item")
        verbose_name_plural = _("handover items")
        constraints = [
            models.UniqueConstraint(fields=["plan", "customer"], name="handover_item_unique")
        ]
        indexes = [models.Index(fields=["plan", "successor"], name="handover_item_successor")]

    def __str__(self):
        return f"{self.plan_id}:{self.customer_id}"


# ---- statements -----------------------------------------------------------------------------


class PeriodKind(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class StatementRun(models.Model):
    """One generation job for a period, with progress."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = status_field(Status.RUNNING)
    total = models.PositiveIntegerField(pgettext_lazy("count", "customers"), default=0)
    done = models.PositiveIntegerField(_("generated"), default=0)
    skipped = models.PositiveIntegerField(_("already there"), default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("statement run")
        verbose_name_plural = _("statement runs")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.period_kind} {self.period_start}"

    @property
    def percent(self) -> int:
        return (
            100
            if not self.total
            else min(100, round(100 * (self.done + self.skipped) / self.total))
        )


class Statement(models.Model):
    class Status(models.TextChoices):
        GENERATED = "generated", _("Awaiting review")
        REVIEWED = "reviewed", _("Reviewed")
        SENT = "sent", _("Sent")

    class SentVia(models.TextChoices):
        EMAIL = "email", _("E-mail")
        DOWNLOAD = "download", _("Download (handed over)")

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="statements"
    )
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("relationship manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = status_field(Status.GENERATED)
    content = models.JSONField(_("content"))
    market_note = models.TextField(_("market note"), blank=True)
    pdf = models.FileField(_("PDF"), upload_to="statements/%Y/%m/", blank=True)
    run = models.ForeignKey(
        StatementRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="statements"
    )
    generated_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = optional_user(on_delete=models.PROTECT)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    sent_via = models.CharField(_("sent via"), max_length=10, choices=SentVia.choices, blank=True)
    sent_to = models.CharField(_("sent to"), max_length=200, blank=True)
    sent_by = optional_user(on_delete=models.PROTECT)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("customer statement")
        verbose_name_plural = _("customer statements")
        ordering = ["-period_start", "customer_id"]
        permissions = [("send_statement", _("Can review and send customer statements"))]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "period_kind", "period_start"], name="statement_once_per_period"
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="statement_sent_at"
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status", "-period_start"], name="statement_owner"),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.period_kind} {self.period_start}"


# ---- satisfaction ---------------------------------------------------------------------------


class SurveyContext(models.TextChoices):
    VISIT = "visit", _("After a visit")
    COMPLAINT = "complaint", _("After complaint closure")
    ACTIVITY = "activity", _("After an activity")
    OTHER = "other", _("Other")


class SatisfactionSurvey(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="surveys"
    )
    context = models.CharField(_("occasion"), max_length=10, choices=SurveyContext.choices)
    # What it follows: "complaint:<id>", "visit:<id>", "activity:<id>"; unique per customer.
    reference = models.CharField(_("reference"), max_length=80, blank=True)
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="surveys"
    )
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    # The RM serving the customer when the survey was taken (KPI attribution).
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-recorded_at"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="survey_score"),
            models.UniqueConstraint(
                fields=["customer", "context", "reference"],
                condition=~Q(reference=""),
                name="survey_once_per_reference",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-recorded_at"], name="survey_customer"),
            models.Index(fields=["owner", "recorded_at"], name="survey_owner"),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.score}"
