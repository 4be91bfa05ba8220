from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from . import texts


def optional_user(
    verbose_name=None, *, on_delete, related_name: str = "+", **options
) -> models.ForeignKey:
    """A staff member a row may name (who created, decided or handles it, …): a nullable
    foreign key to the user model, blank in forms, with no reverse accessor on the user unless
    `related_name` names one. Further field options pass through."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=on_delete,
        related_name=related_name,
        **options,
    )


def status_field(default: models.TextChoices, *, max_length: int = 10) -> models.CharField:
    """The `status` column of a workflow model: a CharField over the choices of `default`'s
    TextChoices class, starting at `default` (the same field every such model declares)."""
    return models.CharField(
        _("status"), max_length=max_length, choices=type(default).choices, default=default
    )


class CalendarDay(models.Model):
    """A date that differs from the Monday–Friday rule: a holiday or a make-up working day (调休)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (rest day)")
        WORKDAY = "workday", _("Make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class CalendarYear(models.Model):
    """Marks a year whose official holiday schedule has been loaded."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


class ApprovalRequest(models.Model):
    """Four-eyes approval: one person asks, a different person with the right permission decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    summary = models.CharField(_("summary"), max_length=255)
    reason = models.TextField(_("reason"))
    payload = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="approval_requests",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    approver_permission = models.CharField(_("approver permission"), max_length=100)
    expires_at = models.DateTimeField(_("expires at"))
    status = status_field(Status.PENDING)
    decided_by = optional_user(
        _("decided by"), on_delete=models.PROTECT, related_name="approval_decisions"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-requested_at"]
        permissions = [("decide_any_approval", _("Can decide any approval request"))]
        indexes = [
            models.Index(fields=["status", "kind"], name="approval_status_kind"),
            # The approvals about one object (the customer 360 timeline lists a customer's).
            models.Index(fields=["target_type", "target_id"], name="approval_target"),
        ]
        constraints = [
            # The database itself refuses self-approval.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="approval_not_self_decided",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True) | ~Q(status="pending"),
                name="approval_pending_undecided",
            ),
        ]

    def __str__(self):
        return f"{self.summary} ({self.get_status_display()})"


class Notification(models.Model):
    """In-app notification (the bell). Only its recipient ever reads it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Makes notification_send() idempotent for retried jobs: one notification per key and recipient.
    dedupe_key = models.CharField(max_length=120, null=True, blank=True)
    # What the title and body say, as a code and parameters (crm.core.texts), so each reader
    # sees them in their own language; title and body keep the default-language text.
    text_code = models.CharField(max_length=60, blank=True, db_default="")
    text_params = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                name="notif_unread",
                condition=Q(read_at__isnull=True),
            ),
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                name="notif_unique_dedupe_key",
                condition=Q(dedupe_key__isnull=False),
            )
        ]

    def __str__(self):
        return self.title

    @property
    def title_text(self) -> str:
        return texts.render(self.text_code, self.text_params, self.title)

    @property
    def body_text(self) -> str:
        return texts.render_body(self.text_code, self.text_params, self.body)


class StagedImport(models.Model):
    """An uploaded file, validated row by row, waiting for the operator to confirm (customer
    import, signal import): the model behind crm.core.imports.

    The parsed rows live here (not in the session or on local disk) so any web node can serve
    the preview, the error report and the confirmation.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Imported")
        CANCELLED = "cancelled", _("Cancelled")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=200)
    file_sha256 = models.CharField(max_length=64)
    status = status_field(Status.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    # Valid rows, normalised and ready to write (ID numbers already encrypted and hashed).
    valid_rows = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    # Rows already in the database (e.g. same customer number, ID number or credit code).
    existing_rows = models.PositiveIntegerField(_("already present"), default=0)
    # [{"row": n, "column": c, "value": v, "reason": r}, …]; values of PII columns are masked.
    errors = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def error_rows(self) -> int:
        return len({e["row"] for e in self.errors})


class ApprovedDownload(models.Model):
    """An export someone asked for, downloadable once by them after a second person approved
    it: the model behind crm.core.downloads. The concrete model adds its one-to-one `approval`
    (its reverse name is the model's own)."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filters = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    # Set when the approval is granted; the download must start before it.
    available_until = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class OutboxMessage(models.Model):
    """A Celery task to run after the transaction that wrote this row commits (crm.core.outbox).

    Written in the caller's transaction, so work is recorded exactly when the data it is about
    is; the relay (`manage.py relay_outbox`) hands it to the broker until the broker accepts,
    and the task marks `done_at` so a message delivered twice runs once. Arguments are ids and
    codes only: no personal data, which would outlive its purpose here.
    """

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, encoder=DjangoJSONEncoder)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # When the relay may publish it next: now at first; after a publish, when the message is
    # presumed lost (a broker that died unsaved) unless the task has marked it done by then.
    available_at = models.DateTimeField(_("next publish at"))
    attempts = models.PositiveSmallIntegerField(_("publications"), default=0)
    # An exception class or a broker error, never data: it is shown to operators.
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    dispatched_at = models.DateTimeField(_("published at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-pk"]
        indexes = [
            # The relay's query: rows not done whose time has come; stays as small as the backlog.
            models.Index(
                fields=["available_at"], name="outbox_due", condition=Q(done_at__isnull=True)
            ),
            models.Index(fields=["done_at"], name="outbox_done_at"),
        ]

    def __str__(self):
        return f"{self.task} #{self.pk}"


class SavedView(models.Model):
    """A named way of looking at one of the main lists (filters + sort as the list's query
    string, and the chosen columns), kept by its owner and optionally shared with their team.

    The query is kept as the list would show it in its URL: never a clear identifier (ID number,
    mobile, account): the list's own cleaner replaces one by its keyed-hash token or refuses it.
    """

    class Visibility(models.TextChoices):
        PERSONAL = "personal", _("Only me")
        TEAM = "team", _("My team")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_views",
    )
    # The list's URL name, e.g. "customers:customer-list" (crm.ui.lists registers them).
    list_key = models.CharField(_("list"), max_length=60)
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("query"), max_length=500, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PERSONAL
    )
    # The owner's team when the view was shared: its members see it (and only they).
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "list_key", "name"], name="savedview_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(visibility="personal") | Q(team__isnull=False),
                name="savedview_team_when_shared",
            ),
        ]
        indexes = [
            models.Index(fields=["list_key", "team"], name="savedview_list_team"),
        ]

    def __str__(self):
        return self.name


class RecentView(models.Model):
    """A detail page a user opened (a customer's 360, a complaint, a warning, a prospect): the
    "recently viewed" list of the user menu (crm.core.recent). Only a kind and an id, never a
    name or identifier; the list resolves them through the user's current scope when shown."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField()
    viewed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("recently viewed page")
        verbose_name_plural = _("recently viewed pages")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "object_id"], name="recent_view_once_per_object"
            )
        ]
        indexes = [models.Index(fields=["user", "-viewed_at"], name="recent_view_latest")]

    def __str__(self):
        return f"{self.kind} #{self.object_id}"


class BackgroundJob(models.Model):
    """A long job someone started (statement generation, …): its progress for the page that
    polls it, and the one notification its owner gets when it ends (crm.core.jobs)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=40)
    owner = optional_user(_("started by"), on_delete=models.CASCADE)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Where the result is (a page of ids, never data in the query string).
    result_url = models.CharField(_("result"), max_length=300, blank=True)
    # An exception class, never a message: messages can carry data.
    error = models.CharField(_("error"), max_length=200, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    # What the job is about, for the page that started it ("pii_export:12"; ids, never data).
    subject = models.CharField(max_length=80, blank=True, db_index=True)
    # A file the job built for its owner (an approved export), encrypted at rest and deleted
    # once taken (crm.core.downloads).
    file = models.FileField(upload_to="jobs/%Y/%m/", blank=True, max_length=200)
    file_name = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="job_owner_latest")]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.state})"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(100, round(100 * self.done / self.total)) if self.total else 0

    @property
    def is_active(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)
