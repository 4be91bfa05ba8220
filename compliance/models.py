"""Risk watch and compliance (DESIGN §5.5): signals, graded warnings with disposal steps, the
watch list (名单制), suitability checks and approved audit-log exports.

Invariants live in the database: a source never holds the same signal twice, a customer has at
most one open warning per signal kind, a customer has at most one watch-list entry.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.core.models import ApprovedDownload, StagedImport, optional_user, status_field
from customers.records.models import BookCopy


class SignalKind(models.TextChoices):
    OVERDUE = "overdue", _("Overdue payment")
    RATING_DOWNGRADE = "rating_downgrade", _("Rating downgrade")
    LITIGATION = "litigation", _("Litigation or enforcement")
    DISHONEST_DEBTOR = "dishonest_debtor", _("Dishonest judgment debtor")
    LARGE_OUTFLOW = "large_outflow", _("Large outflow")
    NEGATIVE_NEWS = "negative_news", _("Negative news")
    ESG_INCIDENT = "esg_incident", _("ESG incident")
    KYC_EXPIRED = "kyc_expired", _("KYC expired")
    SUITABILITY_MISMATCH = "suitability_mismatch", _("Suitability mismatch")


class Severity(models.IntegerChoices):
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")
    CRITICAL = 4, _("Critical")


class Grade(models.TextChoices):
    # Ordered from most to least urgent; GRADE_RANK gives the order for comparisons.
    RED = "red", _("Red")
    ORANGE = "orange", _("Orange")
    YELLOW = "yellow", _("Yellow")
    BLUE = "blue", _("Blue")


GRADE_RANK = {Grade.RED: 4, Grade.ORANGE: 3, Grade.YELLOW: 2, Grade.BLUE: 1}
# Default verification deadlines in working days (DESIGN §5.5); the seeded rules carry them as
# data, so an administrator can change a rule without a release.
DEFAULT_VERIFICATION_DAYS = {Grade.RED: 1, Grade.ORANGE: 3, Grade.YELLOW: 5, Grade.BLUE: 10}


class SignalSource(models.Model):
    """Code table: where signals come from (file import, court list, credit bureau, …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("signal source")
        verbose_name_plural = _("signal sources")
        ordering = ["code"]

    def __str__(self):
        return self.name


class GradingRule(models.Model):
    """Rules as data: a signal of this kind and severity raises a warning of this grade."""

    kind = models.CharField(_("signal kind"), max_length=24, choices=SignalKind.choices)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    grade = models.CharField(_("grade"), max_length=6, choices=Grade.choices)
    verification_days = models.PositiveSmallIntegerField(_("verification deadline (working days)"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("grading rule")
        verbose_name_plural = _("grading rules")
        ordering = ["kind", "severity"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "severity"], name="grading_rule_unique"),
            models.CheckConstraint(
                condition=Q(verification_days__gte=1), name="grading_rule_days_positive"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.get_severity_display()} → {self.get_grade_display()}"


class SignalImport(StagedImport):
    """An uploaded signal file (the customer import's validate → error report → confirm)."""

    source = models.ForeignKey(
        SignalSource, verbose_name=_("source"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta(StagedImport.Meta):
        verbose_name = _("signal import")
        verbose_name_plural = _("signal imports")


class WarningStatus(models.TextChoices):
    OPEN = "open", _("Awaiting verification")
    VERIFIED = "verified", _("Verified, in disposal")
    ESCALATED = "escalated", _("Escalated")
    RELEASED = "released", _("Released")


# What "active" means for a warning, defined once: everything but released. The partial indexes
# and the one-active-warning-per-kind constraint below are written with it, so every query that
# filters with it (RiskWarning.objects.active()) can use them; the set-based SQL binds RELEASED.
ACTIVE_WARNING = ~Q(status=WarningStatus.RELEASED)


class RiskWarningQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ACTIVE_WARNING)


class RiskWarning(models.Model):
    Status = WarningStatus

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="risk_warnings",
    )
    kind = models.CharField(_("signal kind"), max_length=24, choices=SignalKind.choices)
    grade = models.CharField(_("grade"), max_length=6, choices=Grade.choices)
    status = status_field(Status.OPEN)
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="risk_warnings",
    )
    raised_on = models.DateField(_("raised on"))
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    verify_by = models.DateField(_("verify by"))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    objects = RiskWarningQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk warning")
        verbose_name_plural = _("risk warnings")
        ordering = ["-raised_at", "-pk"]
        permissions = [("dispose_riskwarning", _("Can record disposal steps on warnings"))]
        indexes = [
            models.Index(
                fields=["owner", "grade"],
                name="warning_owner_open",
                condition=ACTIVE_WARNING,
            ),
            models.Index(
                fields=["verify_by"],
                name="warning_verify_open",
                condition=Q(status=WarningStatus.OPEN),
            ),
            models.Index(fields=["status", "grade"], name="warning_status_grade"),
            # My day / urgent lists: active warnings by deadline.
            models.Index(
                fields=["verify_by", "id"],
                name="warning_active_deadline",
                condition=ACTIVE_WARNING,
            ),
            models.Index(fields=["customer", "status"], name="warning_customer_status"),
            # Dashboard: active warnings by grade and age, and overdue verification, counted
            # from this index alone (an index-only scan instead of reading every active row).
            models.Index(
                fields=["grade", "raised_on", "status", "verify_by"],
                name="warning_active_ages",
                condition=ACTIVE_WARNING,
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind"],
                name="warning_one_open_per_kind",
                condition=ACTIVE_WARNING,
            ),
        ]

    def __str__(self):
        return f"{self.get_grade_display()} · {self.title}"

    @property
    def is_active(self) -> bool:
        return self.status != WarningStatus.RELEASED


class RiskSignal(models.Model):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="risk_signals",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=SignalKind.choices)
    source = models.ForeignKey(
        SignalSource, verbose_name=_("source"), on_delete=models.PROTECT, related_name="signals"
    )
    # The source's own id for the record, or a hash of customer/kind/date/evidence when the
    # source has none: the same record from the same source collapses into one row.
    dedupe_key = models.CharField(_("external id"), max_length=64)
    observed_on = models.DateField(_("date"))
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    evidence = models.TextField(_("evidence"))
    value = models.DecimalField(
        _("measure (days, amount)"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    warning = models.ForeignKey(
        RiskWarning,
        verbose_name=_("warning"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="signals",
    )
    batch = models.ForeignKey(
        SignalImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="signals"
    )
    created_by = optional_user(on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("risk signal")
        verbose_name_plural = _("risk signals")
        ordering = ["-observed_on", "-pk"]
        permissions = [("import_signals", _("Can import risk signals"))]
        indexes = [
            models.Index(fields=["customer", "kind"], name="signal_customer_kind"),
            models.Index(fields=["-observed_on", "-id"], name="signal_observed"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["source", "dedupe_key"], name="signal_unique_source"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.observed_on}"


class DisposalStep(models.Model):
    class Kind(models.TextChoices):
        VERIFY = "verify", _("Verify")
        VISIT = "visit", _("Visit")
        REDUCE = "reduce", _("Reduce exposure")
        ESCALATE = "escalate", _("Escalate")
        RELEASE = "release", _("Release")

    warning = models.ForeignKey(
        RiskWarning, verbose_name=_("warning"), on_delete=models.CASCADE, related_name="steps"
    )
    kind = models.CharField(_("step"), max_length=10, choices=Kind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="disposal_steps",
    )
    due_on = models.DateField(_("due on"))
    outcome = models.TextField(_("outcome"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    automatic = models.BooleanField(_("created by the escalation sweep"), default=False)
    created_by = optional_user(on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("disposal step")
        verbose_name_plural = _("disposal steps")
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(
                fields=["owner", "due_on"], name="step_owner_open", condition=Q(done_at=None)
            ),
            models.Index(fields=["due_on"], name="step_due_open", condition=Q(done_at=None)),
        ]
        constraints = [
            # The sweep escalates a warning once, however often it runs.
            models.UniqueConstraint(
                fields=["warning"], name="step_one_auto_escalation", condition=Q(automatic=True)
            ),
            models.CheckConstraint(
                condition=Q(done_at=None) | ~Q(outcome=""), name="step_done_has_outcome"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.due_on}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class WatchAction(models.TextChoices):
    SUPPORT = "support", _("Support")
    MAINTAIN = "maintain", _("Maintain")
    REDUCE = "reduce", _("Reduce")
    EXIT = "exit", _("Exit")


class WatchListEntry(models.Model):
    """The customer's current place on the watch list (名单制管理); changed only on approval."""

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="watch_entry",
    )
    action = models.CharField(
        pgettext_lazy("watch list", "action"), max_length=10, choices=WatchAction.choices
    )
    reason = models.TextField(_("reason"))
    review_on = models.DateField(_("review on"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("watch-list entry")
        verbose_name_plural = _("watch-list entries")
        ordering = ["review_on", "pk"]
        permissions = [
            ("request_watchlist_change", _("Can propose watch-list changes")),
            ("approve_watchlist_change", _("Can approve watch-list changes")),
        ]
        indexes = [models.Index(fields=["action", "review_on"], name="watch_action_review")]

    def __str__(self):
        return f"{self.customer} · {self.get_action_display()}"


class WatchListChange(models.Model):
    """History and pending proposals: every change of the watch list, with both people."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPLIED = "applied", _("Applied")
        REJECTED = "rejected", _("Rejected")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="watch_changes",
    )
    # Empty action_after = remove from the list.
    action_before = models.CharField(
        _("action before"), max_length=10, choices=WatchAction.choices, blank=True
    )
    action_after = models.CharField(
        _("new action"), max_length=10, choices=WatchAction.choices, blank=True
    )
    reason = models.TextField(_("reason"))
    review_on = models.DateField(_("review on"), null=True, blank=True)
    status = status_field(Status.PENDING)
    approval = models.OneToOneField(
        "core.ApprovalRequest", on_delete=models.PROTECT, related_name="watchlist_change"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = optional_user(_("decided by"), on_delete=models.PROTECT)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("watch-list change")
        verbose_name_plural = _("watch-list changes")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], name="watch_one_pending", condition=Q(status="pending")
            ),
        ]

    def __str__(self):
        return f"{self.customer}: {self.action_before or '—'} → {self.action_after or '—'}"


class SuitabilityCheck(models.Model):
    """A recorded pre-sale check: the result, the reasons and, where needed, the confirmation."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="suitability_checks",
    )
    product = models.ForeignKey(
        "customers.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"), auto_now_add=True)
    allowed = models.BooleanField(_("allowed"))
    needs_confirmation = models.BooleanField(_("needs confirmation"), default=False)
    confirmed = models.BooleanField(_("confirmation recorded"), default=False)
    confirmation_note = models.TextField(_("confirmation note"), blank=True)
    risk_class = models.CharField(_("risk class"), max_length=2, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=2)
    reasons = models.JSONField(_("reasons"), default=list, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("suitability check")
        verbose_name_plural = _("suitability checks")
        ordering = ["-checked_at", "-pk"]
        indexes = [models.Index(fields=["customer", "-checked_at"], name="suit_customer")]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed=False) | ~Q(confirmation_note=""),
                name="suit_confirmation_has_note",
            ),
        ]

    def __str__(self):
        return f"{self.customer} · {self.product} · {'✓' if self.allowed else '✗'}"


class AuditExport(ApprovedDownload):
    """An audit-log export approved by a second person; downloadable once within its window."""

    approval = models.OneToOneField(
        "core.ApprovalRequest", on_delete=models.PROTECT, related_name="audit_export"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("audit-log export")
        verbose_name_plural = _("audit-log exports")
        ordering = ["-created_at"]
        permissions = [
            ("review_audit", _("Can review the audit log")),
            ("approve_audit_export", _("Can approve audit-log exports")),
            ("view_dashboard", _("Can view the compliance dashboard")),
        ]

    def __str__(self):
        return f"{self.requested_by} {self.created_at:%Y-%m-%d}"


class MismatchRefresh(models.Model):
    """One run of the suitability-mismatch snapshot job: when, and the bank-wide total."""

    refreshed_at = models.DateTimeField(pgettext_lazy("snapshot", "as of"), auto_now_add=True)
    holdings = models.PositiveIntegerField(_("mismatched holdings"))
    customers = models.PositiveIntegerField(pgettext_lazy("count", "customers"))

    class Meta:
        verbose_name = _("suitability-mismatch refresh")
        verbose_name_plural = _("suitability-mismatch refreshes")
        ordering = ["-refreshed_at", "-pk"]

    def __str__(self):
        return f"{self.refreshed_at:%Y-%m-%d %H:%M} · {self.holdings}"


class MismatchSnapshot(BookCopy):
    """Per customer: how many current holdings lie above the customer's risk class, as of the
    last refresh. Rebuilt set-based by a scheduled job (services.refresh_mismatch_snapshot), so
    the dashboard counts a small indexed table instead of joining every holding at 1M
    customers. The customer's owner, team and branch are copied so the user's book filters
    this table directly (book_q with no prefix: pk is the customer id)."""

    customer = models.OneToOneField(
        "customers.Customer", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    holdings = models.PositiveIntegerField(_("mismatched holdings"))

    class Meta:
        verbose_name = _("suitability-mismatch snapshot")
        verbose_name_plural = _("suitability-mismatch snapshots")
        constraints = [
            models.CheckConstraint(condition=Q(holdings__gte=1), name="mismatch_snapshot_some"),
        ]

    def __str__(self):
        return f"{self.customer_id}: {self.holdings}"
