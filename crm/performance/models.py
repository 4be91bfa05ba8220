"""Targets for the KPI dashboard and staff training records (issue 9, parts 3 and 5).

Metric keys are those of `crm.ui.registry.metrics()`; the core stores the key and never imports
the app that computes it.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.calendar import add_months
from crm.core.models import optional_user

MIN_YEAR = 2000
MAX_YEAR = 2100


class Target(models.Model):
    """A yearly or quarterly target for one staff member or one team, for one metric."""

    user = optional_user(_("staff member"), on_delete=models.CASCADE, related_name="targets")
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
    )
    metric_key = models.CharField(_("metric"), max_length=64)
    year = models.PositiveSmallIntegerField(_("year"))
    # Empty for a yearly target, 1–4 for a quarterly one.
    quarter = models.PositiveSmallIntegerField(_("quarter"), null=True, blank=True)
    value = models.DecimalField(_("target value"), max_digits=18, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_by = optional_user(_("updated by"), on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = pgettext_lazy("kpi", "target")
        verbose_name_plural = pgettext_lazy("kpi", "targets")
        ordering = ["-year", "quarter", "metric_key", "pk"]
        permissions = [
            ("view_dashboard", _("Can view the team KPI dashboard")),
            ("export_dashboard", _("Can export the team KPI dashboard")),
        ]
        indexes = [
            models.Index(fields=["year", "quarter", "metric_key"], name="target_period"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True)
                | Q(user__isnull=True, team__isnull=False),
                name="target_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4),
                name="target_quarter_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=MIN_YEAR, year__lte=MAX_YEAR), name="target_year_range"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_value_nonnegative"),
            models.CheckConstraint(condition=~Q(metric_key=""), name="target_metric_given"),
            # One target per subject, metric and period (NULL quarters need their own rule).
            models.UniqueConstraint(
                fields=["user", "metric_key", "year", "quarter"],
                condition=Q(user__isnull=False, quarter__isnull=False),
                name="target_unique_user_quarter",
            ),
            models.UniqueConstraint(
                fields=["user", "metric_key", "year"],
                condition=Q(user__isnull=False, quarter__isnull=True),
                name="target_unique_user_year",
            ),
            models.UniqueConstraint(
                fields=["team", "metric_key", "year", "quarter"],
                condition=Q(team__isnull=False, quarter__isnull=False),
                name="target_unique_team_quarter",
            ),
            models.UniqueConstraint(
                fields=["team", "metric_key", "year"],
                condition=Q(team__isnull=False, quarter__isnull=True),
                name="target_unique_team_year",
            ),
        ]

    def __str__(self):
        return f"{self.subject} · {self.metric_key} · {self.period_label}"

    @property
    def subject(self):
        return self.user if self.user_id else self.team

    @property
    def period_label(self) -> str:
        return f"{self.year}" if self.quarter is None else f"{self.year}Q{self.quarter}"


class KpiFigure(models.Model):
    """A snapshot of one staff member's figure for one metric over one month, quarter or year
    (start and end inclusive), so the dashboard reads figures instead of computing them.

    Denormalised from the metric providers: rebuilt set-based by `services.refresh_figures`
    (management command `refresh_kpis`; beat: the periods containing today every 15 minutes,
    every period of this and last year nightly). Each refresh replaces whole periods in one
    transaction; `computed_at` is the "as of" shown on the pages. `value` is empty when the
    metric has no figure (a mean of nothing)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="kpi_figures",
    )
    metric_key = models.CharField(_("metric"), max_length=64)
    start = models.DateField(_("period start"))
    end = models.DateField(_("period end"))
    value = models.DecimalField(_("value"), max_digits=22, decimal_places=4, null=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("KPI figure")
        verbose_name_plural = _("KPI figures")
        indexes = [
            # The refresh replaces whole periods of one metric.
            models.Index(fields=["start", "end", "metric_key"], name="kpifigure_period"),
        ]
        constraints = [
            # Also the pages' index: one staff member's figures for a period.
            models.UniqueConstraint(
                fields=["user", "start", "end", "metric_key"], name="kpifigure_unique"
            ),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="kpifigure_end_after"),
            models.CheckConstraint(condition=~Q(metric_key=""), name="kpifigure_metric_given"),
        ]

    def __str__(self):
        return f"{self.user_id} · {self.metric_key} · {self.start}–{self.end}"


class Course(models.Model):
    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product knowledge")
        COMPLIANCE = "compliance", _("Compliance")
        INFOSEC = "infosec", _("Information security")

    code = models.CharField(_("code"), max_length=30, unique=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    mandatory = models.BooleanField(
        _("mandatory"),
        default=False,
        help_text=_("Required of every client-facing staff member (RM, team lead, branch head)."),
    )
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"),
        null=True,
        blank=True,
        help_text=_("Empty: a completion never expires."),
    )
    reminder_days = models.PositiveSmallIntegerField(_("reminder (days before expiry)"), default=30)
    mandatory_from = models.DateField(
        _("mandatory from"),
        null=True,
        blank=True,
        help_text=_("Staff who never completed the course are overdue after this date."),
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["kind", "code"]
        permissions = [("view_training_report", _("Can view the training overdue report"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(validity_months__isnull=True) | Q(validity_months__gte=1),
                name="course_validity_positive",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["product", "compliance", "infosec"]),
                name="course_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.code})"

    def expiry_for(self, completed_on: datetime.date | None) -> datetime.date | None:
        if completed_on is None or not self.validity_months:
            return None
        return add_months(completed_on, self.validity_months)


class TrainingRecord(models.Model):
    """One attendance of a course; `completed_on` is set once the staff member passed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="training_records",
    )
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="records"
    )
    attended_on = models.DateField(_("attended on"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(
        pgettext_lazy("training", "score"), null=True, blank=True
    )
    # Derived from completed_on and the course's validity (kept in step by services).
    expires_on = models.DateField(_("expires on"), null=True, blank=True, editable=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = optional_user(_("recorded by"), on_delete=models.SET_NULL)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-attended_on", "pk"]
        indexes = [
            models.Index(fields=["course", "user", "expires_on"], name="training_course_user"),
            models.Index(fields=["user", "course"], name="training_user_course"),
            models.Index(fields=["expires_on"], name="training_expiry"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course", "attended_on"], name="training_unique_attendance"
            ),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_on__gte=F("attended_on")),
                name="training_completed_after_attended",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(completed_on__isnull=False, expires_on__gt=F("completed_on")),
                name="training_expiry_after_completion",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100), name="training_score_0_100"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.course} · {self.attended_on:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        self.expires_on = self.course.expiry_for(self.completed_on)
        super().save(*args, **kwargs)
