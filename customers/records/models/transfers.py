"""Moving customer data in and out: pending imports and approved PII exports (DESIGN §5.1)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.core.models import ApprovedDownload, StagedImport


class CustomerImport(StagedImport):
    class Meta(StagedImport.Meta):
        verbose_name = _("customer import")
        verbose_name_plural = _("customer imports")


class PiiExport(ApprovedDownload):
    """An unmasked export someone asked for; downloadable once, by them, after approval."""

    approval = models.OneToOneField(
        "core.ApprovalRequest", on_delete=models.PROTECT, related_name="pii_export"
    )

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
