"""Complaints (DESIGN §5.4): code tables, SLA profiles as data, the complaint and its records.

Invariants live in the database (check and unique constraints); the state machine and clocks
are applied by `complaints.services`, the only writer.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Jurisdiction
from crm.core.models import optional_user
from crm.identifiers import contact_hash, mask_contact, protected

# Records are kept at least this many years after receipt (DESIGN §5.4).
RETENTION_YEARS = 3

# The four-eyes approval kind of a deadline extension (crm.core.approvals).
EXTENSION_KIND = "complaints.extension"
# The approval kind of a withdrawal an RM asks for once compliance has taken the complaint up.
WITHDRAWAL_KIND = "complaints.withdrawal"


# ---- code tables (JR/T 0169: channel, business category, cause) -----------------------------


class BilingualCode(models.Model):
    """A coded entry named in Chinese and, optionally, in English; shown in the English name
    when the active language is English and one is given."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class CodeTable(BilingualCode):
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["order", "code"]


class Channel(CodeTable):
    class Meta(CodeTable.Meta):
        verbose_name = _("complaint channel")
        verbose_name_plural = _("complaint channels")


class BusinessCategory(CodeTable):
    class Meta(CodeTable.Meta):
        verbose_name = _("business category")
        verbose_name_plural = _("business categories")


class Cause(CodeTable):
    class Meta(CodeTable.Meta):
        verbose_name = _("complaint cause")
        verbose_name_plural = _("complaint causes")


# ---- SLA profiles -----------------------------------------------------------------------------


class SlaProfile(BilingualCode):
    """The clocks of one regulatory regime. Days count from the day after the start (Civil Code);
    calendar-day periods ending on a rest day move to the next working day."""

    description = models.TextField(_("description"), blank=True)
    decision_days = models.PositiveSmallIntegerField(_("decision within (days)"))
    decision_working_days = models.BooleanField(_("decision period in working days"), default=False)
    complex_days = models.PositiveSmallIntegerField(
        _("complex case: extended to (days)"), null=True, blank=True
    )
    max_days = models.PositiveSmallIntegerField(
        _("longest period with approval and notice (days)"), null=True, blank=True
    )
    ack_days = models.PositiveSmallIntegerField(
        _("acknowledgement within (days)"), null=True, blank=True
    )
    ack_working_days = models.BooleanField(_("acknowledgement in working days"), default=False)
    regulator_ack_days = models.PositiveSmallIntegerField(
        _("regulator-forwarded: acknowledgement within (days)"), null=True, blank=True
    )
    regulator_ack_working_days = models.BooleanField(
        _("regulator acknowledgement in working days"), default=True
    )
    review_request_days = models.PositiveSmallIntegerField(
        _("review may be requested within (days of the decision)"), null=True, blank=True
    )
    review_days = models.PositiveSmallIntegerField(
        _("review decided within (days)"), null=True, blank=True
    )
    warning_days = models.PositiveSmallIntegerField(_("warn this many days before"), default=3)
    is_default = models.BooleanField(_("default profile"), default=False)
    # Complaints handled by a branch of this jurisdiction start on this profile.
    jurisdiction = models.CharField(
        _("jurisdiction"), max_length=2, choices=Jurisdiction.choices, blank=True
    )

    class Meta:
        verbose_name = _("SLA profile")
        verbose_name_plural = _("SLA profiles")
        ordering = ["-is_default", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="sla_one_default"
            ),
            models.UniqueConstraint(
                fields=["jurisdiction"],
                condition=~Q(jurisdiction=""),
                name="sla_one_profile_per_jurisdiction",
            ),
            models.CheckConstraint(
                condition=Q(complex_days__isnull=True)
                | Q(complex_days__gte=models.F("decision_days")),
                name="sla_complex_not_shorter",
            ),
            models.CheckConstraint(
                condition=Q(max_days__isnull=True) | Q(max_days__gte=models.F("decision_days")),
                name="sla_max_not_shorter",
            ),
        ]

    def days_for_level(self, level: int) -> int:
        """Decision period at extension level 0 (standard), 1 (complex) or 2 (longest)."""
        periods = [self.decision_days, self.complex_days, self.max_days]
        for days in reversed(periods[: level + 1]):
            if days is not None:
                return days
        return self.decision_days

    def next_extension_level(self, level: int) -> int | None:
        periods = [self.decision_days, self.complex_days, self.max_days]
        current = self.days_for_level(level)
        for nxt in range(level + 1, 3):
            if periods[nxt] is not None and periods[nxt] > current:
                return nxt
        return None


# ---- complaint --------------------------------------------------------------------------------


class State(models.TextChoices):
    # A context of its own: "Received" alone is the intake-volume column of the statistics.
    RECEIVED = "received", pgettext_lazy("complaint state", "Received")
    ACCEPTED = "accepted", _("Accepted")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    IN_HANDLING = "in_handling", _("In handling")
    DECISION_ISSUED = "decision_issued", _("Decision issued")
    REVIEW_REQUESTED = "review_requested", _("Review requested")
    REVIEW_DECIDED = "review_decided", _("Review decided")
    CLOSED = "closed", _("Closed")
    # The state reads 已撤回; the action that leads to it is the verb 撤回 (workflow table).
    WITHDRAWN = "withdrawn", pgettext_lazy("complaint state", "Withdrawn")


# States in which an institution's clock runs (due_on is set and the sweep watches them).
CLOCK_STATES = (State.RECEIVED, State.ACCEPTED, State.IN_HANDLING, State.REVIEW_REQUESTED)
FINAL_STATES = (State.CLOSED, State.WITHDRAWN)
OPEN_STATES = tuple(s for s in State.values if s not in FINAL_STATES)


class Remedy(models.TextChoices):
    REVIEW = "review", _("Review by the institution")
    MEDIATION = "mediation", _("Mediation")
    ARBITRATION = "arbitration", _("Arbitration")
    LITIGATION = "litigation", _("Litigation")


class Satisfaction(models.IntegerChoices):
    NOT_REACHED = 0, _("Could not be reached / declined to answer")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    NEUTRAL = 3, _("Neutral")
    SATISFIED = 4, _("Satisfied")
    VERY_SATISFIED = 5, _("Very satisfied")


class Intake(models.TextChoices):
    CUSTOMER_PAGE = "customer_page", _("Customer page")
    COUNTER = "counter", _("Branch counter")
    REGULATOR = "regulator", _("Forwarded by the regulator")


class ComplaintQuerySet(models.QuerySet):
    def delete(self):
        # Retention for every client; PostgreSQL's trigger (migration 0003) backs it up.
        if self.filter(retain_until__gt=timezone.localdate()).exists():
            raise ValidationError(_retention_message())
        return super().delete()

    delete.alters_data = True
    delete.queryset_only = True


def _retention_message():
    return _("Complaint records must be kept at least %(years)s years; deletion refused.") % {
        "years": RETENTION_YEARS
    }


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class Complaint(models.Model):
    reference = models.CharField(
        pgettext_lazy("complaint", "reference"), max_length=32, unique=True
    )
    intake = models.CharField(_("intake"), max_length=20, choices=Intake.choices)
    # Complainant: a customer, a named non-customer, or anonymous (no name, no customer link).
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    complainant_name = models.CharField(_("complainant"), max_length=100, blank=True)
    # The contact (a phone, an address) is personal information: stored encrypted, with a keyed
    # hash for the exact-match duplicate check at intake and a masked copy for display.
    complainant_contact_encrypted = models.TextField(blank=True, editable=False)
    complainant_contact_hash = models.CharField(max_length=64, blank=True, editable=False)
    complainant_contact_masked = models.CharField(
        _("contact"), max_length=120, blank=True, editable=False
    )
    channel = models.ForeignKey(
        Channel, verbose_name=pgettext_lazy("complaint", "channel"), on_delete=models.PROTECT
    )
    business_category = models.ForeignKey(
        BusinessCategory, verbose_name=_("business category"), on_delete=models.PROTECT
    )
    cause = models.ForeignKey(Cause, verbose_name=_("cause"), on_delete=models.PROTECT)
    product = models.ForeignKey(
        "customers.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    received_at = models.DateTimeField(_("received at"))
    # First day of the (local) month of receipt: statistics group by it without a per-row
    # time-zone conversion.
    received_month = models.DateField(editable=False, null=True)
    demands = models.TextField(_("demands"))
    facts = models.TextField(_("facts and reasons"))
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.PROTECT,
        related_name="complaints_logged",
    )
    handler = optional_user(
        _("handler"), on_delete=models.SET_NULL, related_name="complaints_handled"
    )
    # Staff the allegation names (an RM accused of mis-selling): they never withdraw the
    # complaint on the complainant's behalf; compliance does (services.withdrawal).
    named_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff named in the complaint"),
        blank=True,
        related_name="complaints_naming",
    )
    branch = models.ForeignKey(
        "accounts.Branch",
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    regulator_forwarded = models.BooleanField(_("forwarded by the regulator"), default=False)
    regulator_reference = models.CharField(_("regulator's reference"), max_length=60, blank=True)
    profile = models.ForeignKey(SlaProfile, verbose_name=_("SLA profile"), on_delete=models.PROTECT)

    state = models.CharField(
        _("status"), max_length=20, choices=State.choices, default=State.RECEIVED
    )
    is_complex = models.BooleanField(_("complex case"), default=False)
    extension_level = models.PositiveSmallIntegerField(_("extension level"), default=0)
    # Clocks. due_on is the running clock of the current state (the sweep and queue use it).
    ack_due = models.DateField(_("acknowledgement due"), null=True, blank=True)
    decision_due = models.DateField(_("decision due"))
    review_request_until = models.DateField(
        _("review may be requested until"), null=True, blank=True
    )
    review_due = models.DateField(_("review due"), null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    clock_start = models.DateField(_("clock started"))  # receipt, or the day new facts arrived
    paused = models.BooleanField(_("clock paused"), default=False)
    paused_days = models.PositiveIntegerField(_("days paused"), default=0)
    breached = models.BooleanField(_("deadline breached"), default=False)
    warned_for = models.DateField(null=True, blank=True, editable=False)
    escalated_for = models.DateField(null=True, blank=True, editable=False)

    # Outcomes.
    not_accepted_reason = models.TextField(_("reason for not accepting"), blank=True)
    decision = models.TextField(_("decision"), blank=True)
    remedies = models.JSONField(_("remedies stated"), default=list, blank=True)
    review_reason = models.TextField(_("grounds for review"), blank=True)
    review_result = models.TextField(_("review result"), blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)
    satisfaction = models.SmallIntegerField(
        _("satisfaction"), choices=Satisfaction.choices, null=True, blank=True
    )
    handling_days = models.PositiveIntegerField(_("handling time (days)"), null=True, blank=True)

    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    decided_at = models.DateTimeField(
        pgettext_lazy("complaint", "decided at"), null=True, blank=True
    )
    review_requested_at = models.DateTimeField(null=True, blank=True)
    review_decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    retain_until = models.DateField(_("retain until"), editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-pk"]
        permissions = [
            ("accept_complaint", "Can accept or refuse complaints"),
            ("handle_complaint", "Can handle complaints (pauses, new facts)"),
            ("decide_complaint", "Can issue complaint decisions and review results"),
            ("close_complaint", "Can close complaints"),
            ("withdraw_complaint", "Can record a withdrawal"),
            (
                "confirm_withdrawal",
                "Can withdraw an accepted complaint or confirm a withdrawal request",
            ),
            ("request_review", "Can record a review request"),
            ("assign_complaint", "Can assign complaint handlers"),
            ("request_extension", "Can request a deadline extension"),
            ("approve_extension", "Can approve a deadline extension"),
            ("log_regulator_complaint", "Can log regulator-forwarded complaints"),
            ("view_statistics", "Can view and export complaint statistics"),
            ("change_sla_profile", "Can change a complaint's SLA profile"),
        ]
        indexes = [
            models.Index(fields=["state", "due_on", "id"], name="complaint_queue"),
            models.Index(
                fields=["due_on", "id"],
                name="complaint_clock",
                condition=Q(state__in=[str(s) for s in CLOCK_STATES]),
            ),
            models.Index(fields=["received_at"], name="complaint_received"),
            models.Index(fields=["state", "-received_at", "-id"], name="complaint_state_received"),
            models.Index(fields=["customer", "-received_at"], name="complaint_customer"),
            models.Index(fields=["handler", "state"], name="complaint_handler"),
            models.Index(fields=["logged_by"], name="complaint_logged_by"),
            models.Index(fields=["branch", "state"], name="complaint_branch"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=State.values), name="complaint_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(is_anonymous=False, customer__isnull=True)
                | Q(is_anonymous=False, customer__isnull=False)
                | Q(is_anonymous=True, customer__isnull=True, complainant_name=""),
                name="complaint_anonymous_has_no_identity",
            ),
            models.CheckConstraint(
                condition=Q(is_anonymous=True) | ~Q(complainant_name=""),
                name="complaint_named_unless_anonymous",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[str(s) for s in CLOCK_STATES]) | Q(due_on__isnull=False),
                name="complaint_clock_state_has_due",
            ),
            models.CheckConstraint(
                condition=~Q(state="not_accepted") | ~Q(not_accepted_reason=""),
                name="complaint_not_accepted_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["decision_issued", "review_requested", "review_decided"])
                | (Q(decided_at__isnull=False) & ~Q(decision="")),
                name="complaint_decision_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | Q(closed_at__isnull=False),
                name="complaint_closed_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(state="withdrawn") | ~Q(withdrawn_reason=""),
                name="complaint_withdrawn_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(extension_level__lte=2), name="complaint_extension_level_range"
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=0, satisfaction__lte=5),
                name="complaint_satisfaction_range",
            ),
            models.CheckConstraint(
                condition=Q(regulator_forwarded=False) | Q(ack_due__isnull=False),
                name="complaint_regulator_has_ack_due",
            ),
        ]

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        self.set_derived()
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.retain_until and self.retain_until > timezone.localdate():
            raise ValidationError(_retention_message())
        return super().delete(*args, **kwargs)

    # Clear only for an audited reveal; the duplicate check matches on the keyed hash.
    complainant_contact = protected(
        mask_contact, hashes=lambda value: {"hash": contact_hash(value)}
    )

    def set_derived(self) -> None:
        if self.received_at and not self.retain_until:
            self.retain_until = add_years(timezone.localdate(self.received_at), RETENTION_YEARS)
        if self.received_at:
            self.received_month = timezone.localdate(self.received_at).replace(day=1)

    @property
    def complainant_display(self) -> str:
        if self.is_anonymous:
            return str(_("Anonymous"))
        return self.complainant_name

    @property
    def received_on(self) -> datetime.date:
        return timezone.localdate(self.received_at)

    @property
    def is_open(self) -> bool:
        return self.state not in FINAL_STATES

    def days_left(self, today=None):
        if not self.due_on:
            return None
        return (self.due_on - (today or timezone.localdate())).days


class MonthlyFigure(models.Model):
    """Additive statistics of the complaints received in one month, per dimension value.

    One row per (month of receipt, dimension, key); the statistics page sums whole months from
    here instead of scanning the complaints. Database triggers keep it in step with every write
    to the complaints, in the same transaction (migration 0007, `complaints.figures`);
    `manage.py rebuild_complaint_figures` recomputes it set-based.
    """

    class Dimension(models.TextChoices):
        CHANNEL = "channel", pgettext_lazy("complaint", "Channel")
        BUSINESS_CATEGORY = "business_category", _("Business category")
        CAUSE = "cause", _("Cause")
        BRANCH = "branch", _("Branch")
        PRODUCT = "product", _("Product")

    month = models.DateField(_("month of receipt"))
    dimension = models.CharField(_("dimension"), max_length=20, choices=Dimension.choices)
    # The code / branch / product id; 0 for complaints without a branch or product.
    key = models.PositiveIntegerField(_("key"))
    n = models.IntegerField(_("received"), default=0)
    closed = models.IntegerField(_("closed or withdrawn"), default=0)
    decided = models.IntegerField(_("decided"), default=0)
    breaches = models.IntegerField(_("breaches"), default=0)
    days_sum = models.BigIntegerField(_("handling days, summed"), default=0)
    days_n = models.IntegerField(_("with a handling time"), default=0)
    sat_sum = models.IntegerField(_("satisfaction, summed"), default=0)
    rated = models.IntegerField(_("satisfaction rated"), default=0)
    satisfied = models.IntegerField(_("satisfied"), default=0)

    class Meta:
        verbose_name = _("monthly complaint figure")
        verbose_name_plural = _("monthly complaint figures")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "dimension", "key"], name="complaint_figure_unique"
            ),
            models.CheckConstraint(
                condition=Q(
                    dimension__in=["channel", "business_category", "cause", "branch", "product"]
                ),
                name="complaint_figure_dimension_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    n__gte=0,
                    closed__gte=0,
                    decided__gte=0,
                    breaches__gte=0,
                    days_sum__gte=0,
                    days_n__gte=0,
                    sat_sum__gte=0,
                    rated__gte=0,
                    satisfied__gte=0,
                ),
                name="complaint_figure_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    closed__lte=models.F("n"),
                    decided__lte=models.F("n"),
                    breaches__lte=models.F("n"),
                    days_n__lte=models.F("n"),
                    rated__lte=models.F("n"),
                    satisfied__lte=models.F("rated"),
                    sat_sum__lte=models.F("rated") * 5,
                ),
                name="complaint_figure_parts_within_total",
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.dimension}={self.key}: {self.n}"


class Attachment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to="complaints/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.name


class History(models.Model):
    class Event(models.TextChoices):
        TRANSITION = "transition", _("Status change")
        EXTENSION = "extension", _("Deadline extended")
        PAUSE = "pause", _("Clock paused")
        RESUME = "resume", _("Clock resumed")
        NEW_FACTS = "new_facts", _("New facts: clock restarted")
        ASSIGN = "assign", _("Handler assigned")
        CREATED = "created", _("Logged")
        WITHDRAWAL_REQUESTED = "withdrawal_requested", _("Withdrawal requested")
        WITHDRAWAL_REFUSED = "withdrawal_refused", _("Withdrawal refused")
        NAMED_STAFF = "named_staff", _("Staff named in the complaint changed")
        PROFILE = "profile", _("SLA profile changed")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="history")
    event = models.CharField(_("event"), max_length=20, choices=Event.choices)
    from_state = models.CharField(
        pgettext_lazy("complaint history", "from"), max_length=20, choices=State.choices, blank=True
    )
    to_state = models.CharField(
        pgettext_lazy("complaint history", "to"), max_length=20, choices=State.choices, blank=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["complaint", "at"], name="complaint_history")]

    def __str__(self):
        return f"{self.complaint_id} {self.event} {self.from_state}→{self.to_state}"


class Notice(models.Model):
    class Kind(models.TextChoices):
        ACCEPTANCE = "acceptance", _("Acceptance notice")
        NON_ACCEPTANCE = "non_acceptance", _("Notice of non-acceptance")
        EXTENSION = "extension", _("Extension notice")
        DECISION = "decision", _("Decision notice")
        REVIEW_DECISION = "review_decision", _("Review decision notice")

    class Via(models.TextChoices):
        IN_PERSON = "in_person", _("Handed over in person")
        POST = "post", _("Registered post")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone (recorded)")
        WECHAT = "wechat", _("WeChat / online banking message")
        NOT_DELIVERABLE = "none", _("Not deliverable (anonymous, no contact)")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    via = models.CharField(
        pgettext_lazy("complaint notice", "sent via"), max_length=20, choices=Via.choices
    )
    sent_on = models.DateField(_("sent on"))
    body = models.TextField(_("text"))
    evidence = models.CharField(
        pgettext_lazy("complaint notice", "evidence"), max_length=300, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["sent_on", "pk"]

    def __str__(self):
        return f"{self.complaint_id} {self.get_kind_display()}"


class ClockPause(models.Model):
    class Reason(models.TextChoices):
        APPRAISAL = "appraisal", _("Appraisal / inspection")
        MEDIATION = "mediation", _("Third-party mediation")

    class EndMode(models.TextChoices):
        RESUME = "resume", _("Clock resumes (paused days added)")
        RESTART = "restart", _("New facts: clock restarts")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="pauses")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    started_on = models.DateField(_("paused from"))
    ended_on = models.DateField(_("resumed on"), null=True, blank=True)
    end_mode = models.CharField(
        _("how the clock went on"), max_length=10, choices=EndMode.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("clock pause")
        verbose_name_plural = _("clock pauses")
        ordering = ["started_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"], condition=Q(ended_on__isnull=True), name="pause_one_open"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="pause_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} {self.started_on}–{self.ended_on or ''}"

    @property
    def days(self) -> int:
        end = self.ended_on or timezone.localdate()
        return max((end - self.started_on).days, 0)
