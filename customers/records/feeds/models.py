"""Feed runs and the transactions they bring in (issue 16 item 1)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FeedKind(models.TextChoices):
    PRODUCTS = "products", _("Products")
    HOLDINGS = "holdings", _("Holdings snapshot")
    CONTRACTS = "contracts", _("Contracts")
    TRANSACTIONS = "transactions", _("Transactions")
    AGGREGATES = "aggregates", _("Monthly aggregates")
    CUSTOMERS = "customers", _("Customer master updates")


class FeedRun(models.Model):
    """One received feed file and what became of it. Unique by (kind, business date, checksum):
    the same file twice is one run."""

    class State(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("feed run", "Received")
        HELD = "held", pgettext_lazy("feed run", "Held")
        LOADED = "loaded", pgettext_lazy("feed run", "Loaded")
        REPLACED = "replaced", pgettext_lazy("feed run", "Replaced by a corrected file")
        REJECTED = "rejected", pgettext_lazy("feed run", "Rejected")
        FAILED = "failed", pgettext_lazy("feed run", "Failed")

    kind = models.CharField(_("kind"), max_length=16, choices=FeedKind.choices)
    business_date = models.DateField(_("business date"))
    checksum = models.CharField(_("checksum (SHA-256)"), max_length=64)
    filename = models.CharField(_("file name"), max_length=200)
    # Where the file lies in the "feeds" storage (settings.STORAGES).
    storage_path = models.CharField(max_length=400, editable=False)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.RECEIVED
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    loaded = models.PositiveIntegerField(pgettext_lazy("feed rows", "loaded"), default=0)
    rejected = models.PositiveIntegerField(pgettext_lazy("feed rows", "rejected"), default=0)
    unknown_customers = models.PositiveIntegerField(_("unknown customers"), default=0)
    # The first FIDUCIA_FEEDS["MAX_REPORTED_ERRORS"] bad rows: row, column, value (masked), reason.
    errors = models.JSONField(default=list, blank=True, editable=False)
    # A file-level refusal (encoding, header) or the failure's class name; never row data.
    message = models.CharField(_("message"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("released by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("feed run")
        verbose_name_plural = _("feed runs")
        permissions = [("release_feedrun", _("Can release or reject held feed runs"))]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "business_date", "checksum"], name="feedrun_unique_file"
            ),
        ]
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="feedrun_recent"),
            models.Index(fields=["kind", "business_date", "state"], name="feedrun_kind_date"),
            models.Index(fields=["state"], name="feedrun_pending", condition=Q(state="received")),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.business_date:%Y-%m-%d} #{self.pk}"

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class Transaction(models.Model):
    """One movement from core banking (a subscription, a redemption, a deposit…). Tiering reads
    the monthly aggregates, never these; they are for the customer's 360 page and timeline."""

    class Kind(models.TextChoices):
        BUY = "buy", _("Subscription / purchase")
        SELL = "sell", _("Redemption / sale")
        DEPOSIT = "deposit", _("Deposit")
        WITHDRAWAL = "withdrawal", _("Withdrawal")
        DIVIDEND = "dividend", _("Dividend / interest")
        FEE = "fee", _("Fee")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        TRANSFER_OUT = "transfer_out", _("Transfer out")

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="transactions"
    )
    product = models.ForeignKey(
        "customers.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transactions",
    )
    # The account as a keyed hash (crm.identifiers ACCOUNT) and a masked copy: never in clear.
    account_token = models.CharField(max_length=64, blank=True, editable=False)
    account_masked = models.CharField(_("account"), max_length=40, blank=True, editable=False)
    trade_date = models.DateField(_("trade date"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    quantity = models.DecimalField(
        _("quantity"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    source = models.CharField(_("source system"), max_length=20, default="core")
    external_ref = models.CharField(_("reference"), max_length=64)
    # The business date of the feed that brought it: a corrected file replaces that date's rows.
    business_date = models.DateField(_("business date"))

    class Meta:
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_ref"], name="txn_unique_ref"),
        ]
        indexes = [
            # The 360 page and the timeline: a customer's latest movements first.
            models.Index(fields=["customer", "-trade_date", "-id"], name="txn_customer_date"),
            models.Index(fields=["business_date", "source"], name="txn_business_date"),
        ]

    def __str__(self):
        return f"{self.external_ref} {self.trade_date:%Y-%m-%d}"
