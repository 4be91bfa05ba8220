from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core.models import optional_user


class AppendOnlyError(Exception):
    """Audit rows are never changed or removed."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit entries are append-only")

    def delete(self):
        raise AppendOnlyError("audit entries are append-only")

    _raw_delete = delete


class AuditEntry(models.Model):
    """One thing somebody did that a regulator may ask about. Append-only (ORM and DB trigger)."""

    # Set before the row is hashed (crm.audit.chain), so not auto_now_add (which re-stamps it
    # while saving, after the hash is taken).
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False, db_index=True)
    actor = optional_user(_("actor"), on_delete=models.PROTECT)
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=255, blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    before = models.JSONField(_("before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, blank=True, encoder=DjangoJSONEncoder)
    # The hash chain (crm.audit.chain). Null only on a row written past the chain, which the
    # verification reports.
    prev_hash = models.CharField(_("previous hash"), max_length=64, null=True, editable=False)
    row_hash = models.CharField(_("hash"), max_length=64, null=True, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-pk"]
        default_permissions = ("view",)
        permissions = [("export_auditentry", _("Can export the audit log"))]
        indexes = [
            models.Index(fields=["action", "-at"], name="audit_action_at"),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries are append-only")
