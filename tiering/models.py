"""Tiering data (DESIGN §5.3): versioned policies, runs, one assignment per customer per run,
and manual overrides under four-eyes approval."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.core.models import ApprovalRequest, optional_user, status_field
from customers.records.models import BookCopy, CapitalSegment, Customer, Tier, VipLevel

# Aggregate columns a "custom weights" formula may use (a whitelist: the SQL is built from it).
WEIGHT_FIELDS = (
    "commission",
    "fee_income",
    "net_interest_income",
    "rebate",
    "trade_volume",
    "average_balance",
    "margin_balance",
)


class TierPolicy(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    class Formula(models.TextChoices):
        BROKERAGE = "brokerage", _("Brokerage (margin × spread × time + commission − rebate)")
        BANK = "bank", _("Bank (net interest income + fee income)")
        CUSTOM = "custom", _("Custom weights over monthly figures")

    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    status = status_field(Status.DRAFT)
    formula = models.CharField(
        _("contribution formula"), max_length=10, choices=Formula.choices, default=Formula.BANK
    )
    weights = models.JSONField(
        _("custom weights"),
        default=dict,
        blank=True,
        help_text=_('For the custom formula: {monthly figure: weight}, e.g. {"commission": 1}.'),
    )
    window_months = models.PositiveSmallIntegerField(
        _("window (months)"), default=12, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    a_share = models.DecimalField(
        _("class A share"), max_digits=5, decimal_places=4, default=Decimal("0.8000")
    )
    b_share = models.DecimalField(
        _("class B share"), max_digits=5, decimal_places=4, default=Decimal("0.9500")
    )
    vip_gold = models.DecimalField(
        _("gold from AUM"), max_digits=18, decimal_places=2, default=Decimal(50_000)
    )
    vip_platinum = models.DecimalField(
        _("platinum from AUM"), max_digits=18, decimal_places=2, default=Decimal(500_000)
    )
    vip_diamond = models.DecimalField(
        _("diamond from AUM"), max_digits=18, decimal_places=2, default=Decimal(2_000_000)
    )
    vip_private = models.DecimalField(
        _("private banking from AUM"), max_digits=18, decimal_places=2, default=Decimal(6_000_000)
    )
    vip_min_trades = models.PositiveIntegerField(
        _("VIP: minimum trades in window"), null=True, blank=True
    )
    vip_min_contribution = models.DecimalField(
        _("VIP: minimum contribution in window"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
    )
    segment_medium_min = models.DecimalField(
        _("medium account (中户) from capital"),
        max_digits=18,
        decimal_places=2,
        default=Decimal(400_000),
    )
    segment_large_min = models.DecimalField(
        _("large account (大户) from capital"),
        max_digits=18,
        decimal_places=2,
        default=Decimal(2_000_000),
    )
    downgrade_grace_runs = models.PositiveSmallIntegerField(
        _("downgrade grace (runs)"), default=3, validators=[MinValueValidator(1)]
    )
    override_days = models.PositiveSmallIntegerField(
        _("override validity (days)"),
        default=180,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = optional_user(on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_by = optional_user(on_delete=models.SET_NULL)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("tier policy")
        verbose_name_plural = _("tier policies")
        ordering = ["-version"]
        permissions = [("publish_tierpolicy", "Can publish tier policies")]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="published"),
                name="tierpolicy_one_published",
            ),
            models.CheckConstraint(
                condition=Q(a_share__gt=0, a_share__lte=F("b_share"), b_share__lte=1),
                name="tierpolicy_shares_ordered",
            ),
            models.CheckConstraint(
                condition=Q(
                    vip_gold__lte=F("vip_platinum"),
                    vip_platinum__lte=F("vip_diamond"),
                    vip_diamond__lte=F("vip_private"),
                ),
                name="tierpolicy_ladder_ordered",
            ),
        ]

    def __str__(self):
        return f"v{self.version} {self.name}"

    def clean(self):
        # An emptied "custom weights" box arrives as None (JSON null); no weights is {}, and the
        # column refuses NULL (the admin's add form answered 500).
        if self.weights is None:
            self.weights = {}
        super().clean()

    @property
    def ladder(self) -> dict[str, Decimal]:
        return {
            VipLevel.GOLD: self.vip_gold,
            VipLevel.PLATINUM: self.vip_platinum,
            VipLevel.DIAMOND: self.vip_diamond,
            VipLevel.PRIVATE: self.vip_private,
        }


class TierRun(models.Model):
    class Kind(models.TextChoices):
        LIVE = "live", _("Live")
        WHAT_IF = "what_if", _("What-if")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        COMPUTED = "computed", _("Computed")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed")

    as_of = models.DateField(_("as of"))
    policy = models.ForeignKey(TierPolicy, on_delete=models.PROTECT, related_name="runs")
    policy_version = models.PositiveIntegerField(_("policy version"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.LIVE)
    status = status_field(Status.RUNNING)
    customers = models.PositiveIntegerField(pgettext_lazy("count", "customers"), default=0)
    count_a = models.PositiveIntegerField("A", default=0)
    count_b = models.PositiveIntegerField("B", default=0)
    count_c = models.PositiveIntegerField("C", default=0)
    upgrades = models.PositiveIntegerField(_("upgrades"), default=0)
    downgrades = models.PositiveIntegerField(_("downgrades"), default=0)
    held_by_grace = models.PositiveIntegerField(_("held by grace"), default=0)
    overridden = models.PositiveIntegerField(_("overridden"), default=0)
    customers_changed = models.PositiveIntegerField(_("customers changed"), default=0)
    total_contribution = models.DecimalField(max_digits=22, decimal_places=2, default=0)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    triggered_by = optional_user(on_delete=models.SET_NULL)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("tier run")
        verbose_name_plural = _("tier runs")
        ordering = ["-as_of", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["as_of", "policy"],
                condition=Q(kind="live"),
                name="tierrun_one_live_per_date_policy",
            )
        ]
        indexes = [models.Index(fields=["kind", "as_of"], name="tierrun_kind_asof")]

    def __str__(self):
        return f"{self.as_of} v{self.policy_version} ({self.get_kind_display()})"


class TierAssignment(models.Model):
    """One row per customer per run, with the inputs that produced the class."""

    # Every index leads with the run: a run's million rows then go into one fresh key range of
    # each index, instead of into random leaves of a customer-leading index that grows by a
    # million entries a month. Per-customer reads (the 360 history, tier moves) probe
    # (run, customer) once per run, and there are few runs. The foreign keys get no index of
    # their own (fewer indexes to maintain when a run inserts a million rows). The customer key
    # has no database-level constraint: a per-row RI check on a million-row insert costs more
    # than the whole calculation, and rows are only ever inserted from a join over existing
    # customers (deleting a customer still cascades through the ORM).
    run = models.ForeignKey(
        TierRun, on_delete=models.CASCADE, related_name="assignments", db_index=False
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="tier_assignments",
        db_index=False,
        db_constraint=False,
    )
    policy_version = models.PositiveIntegerField(_("policy version"))
    contribution = models.DecimalField(_("contribution"), max_digits=20, decimal_places=2)
    aum = models.DecimalField(_("AUM"), max_digits=18, decimal_places=2)
    trades = models.PositiveIntegerField(_("trades in window"), default=0)
    rank = models.PositiveIntegerField(_("rank"))
    cumulative_before = models.DecimalField(
        _("contribution ranked before"), max_digits=22, decimal_places=2
    )
    cumulative_share = models.DecimalField(_("cumulative share"), max_digits=7, decimal_places=6)
    computed_class = models.CharField(_("computed class"), max_length=1, choices=Tier.choices)
    previous_class = models.CharField(
        _("previous class"), max_length=1, choices=Tier.choices, blank=True
    )
    base_class = models.CharField(_("class after grace"), max_length=1, choices=Tier.choices)
    applied_class = models.CharField(_("applied class"), max_length=1, choices=Tier.choices)
    below_streak = models.PositiveSmallIntegerField(default=0)
    pending_class = models.CharField(max_length=1, choices=Tier.choices, blank=True)
    computed_vip = models.CharField(
        _("computed VIP level"), max_length=10, choices=VipLevel.choices
    )
    vip_level = models.CharField(_("VIP level"), max_length=10, choices=VipLevel.choices)
    capital_segment = models.CharField(
        _("capital segment"), max_length=12, choices=CapitalSegment.choices
    )
    override = models.ForeignKey(
        "TierOverride",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("tier assignment")
        verbose_name_plural = _("tier assignments")
        constraints = [
            models.UniqueConstraint(fields=["run", "customer"], name="assignment_one_per_run")
        ]
        indexes = [models.Index(fields=["run", "rank"], name="assignment_run_rank")]

    def __str__(self):
        return f"{self.customer_id} {self.applied_class} ({self.run_id})"


class TierOverride(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")
        SUPERSEDED = "superseded", _("Superseded")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tier_overrides")
    tier = models.CharField(_("class"), max_length=1, choices=Tier.choices)
    vip_level = models.CharField(
        _("VIP level"), max_length=10, choices=VipLevel.choices, blank=True
    )
    reason = models.TextField(_("reason"))
    expires_on = models.DateField(_("valid until"))
    status = status_field(Status.PENDING)
    approval = models.ForeignKey(
        "core.ApprovalRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = optional_user(on_delete=models.SET_NULL)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tier override")
        verbose_name_plural = _("tier overrides")
        ordering = ["-created_at"]
        permissions = [
            ("propose_override", "Can propose a tier override"),
            ("approve_override", "Can approve a tier override"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status__in=["pending", "approved"]),
                name="override_one_open_per_customer",
            )
        ]
        indexes = [models.Index(fields=["status", "expires_on"], name="override_status_expiry")]

    def __str__(self):
        return f"{self.customer_id} → {self.tier} ({self.get_status_display()})"

    @property
    def in_force(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def is_open(self) -> bool:
        """In force, or still waiting for a decision. A pending override whose approval request
        was withdrawn or has expired is no longer open, even before sync_withdrawn catches up
        (reads `approval`: select it with the override)."""
        if self.in_force:
            return True
        return self.status == self.Status.PENDING and (
            self.approval is None or self.approval.status == ApprovalRequest.Status.PENDING
        )


class TierRunCell(BookCopy):
    """Per run, the assignments counted by owner/team/branch × classes × capital segment,
    written with the run (one INSERT … SELECT … GROUP BY). Reports for a team, a branch or the
    whole institution read these few thousand rows instead of a million assignments."""

    run = models.ForeignKey(TierRun, on_delete=models.CASCADE, related_name="cells")
    previous_class = models.CharField(max_length=1, blank=True)
    computed_class = models.CharField(max_length=1)
    applied_class = models.CharField(max_length=1)
    capital_segment = models.CharField(max_length=12)
    customers = models.PositiveIntegerField()
    contribution = models.DecimalField(max_digits=24, decimal_places=2)
    positive_contribution = models.DecimalField(max_digits=24, decimal_places=2)

    class Meta:
        verbose_name = _("tier run cell")
        verbose_name_plural = _("tier run cells")
        indexes = [models.Index(fields=["run", "branch"], name="tiercell_run_branch")]

    def __str__(self):
        return f"{self.run_id} {self.owner_id} {self.applied_class} × {self.customers}"
