"""Labels of the audit actions tiering writes (crm.audit.labels)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "tier_policy.drafted": _("Tier policy drafted"),
    "tier_policy.published": _("Tier policy published"),
    "tier_policy.changed": _("Tier policy changed in admin"),
    "tier_run.applied": _("Tier run applied"),
    "tier_run.failed": _("Tier run failed"),
    "tier_override.proposed": _("Tier override proposed"),
    "tier_override.approved": _("Tier override approved"),
    "tier_override.expired": _("Tier overrides expired"),
    "tier_report.exported": _("Tier report exported"),
}
