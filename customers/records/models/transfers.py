"""Moving customer data in and out: pending imports and approved PII exports (DESIGN §5.1)."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class StagedImport(models.Model):
    """An uploaded file, validated row by row, waiting for the operator to confirm (customers
    here; risk signals in compliance): validate → error report → confirm.

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
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
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


class CustomerImport(StagedImport):
    class Meta(StagedImport.Meta):
        verbose_name = _("customer import")
        verbose_name_plural = _("customer imports")


class PiiExport(models.Model):
    """An unmasked export someone asked for; downloadable once, by them, after approval."""

    approval = models.OneToOneField(
        "core.ApprovalRequest", on_delete=models.PROTECT, related_name="pii_export"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filters = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    available_until = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("personal-information export")
        verbose_name_plural = _("personal-information exports")
        constraints = [
            models.CheckConstraint(
                condition=Q(downloaded_at__isnull=True) | Q(available_until__isnull=False),
                name="piiexport_download_needs_approval",
            )
        ]

    def __str__(self):
        return f"PII export #{self.pk}"


class SavedFilter(models.Model):
    """A named customer-list query a user keeps for later."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_customer_filters"
    )
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("query"), max_length=500)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="savedfilter_unique_name")
        ]

    def __str__(self):
        return self.name
