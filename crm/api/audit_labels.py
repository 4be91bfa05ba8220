"""What the API's audit actions mean (crm.audit.labels)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "api.called": _("Integration API called"),
    "api_client.created": _("API client created"),
    "api_client.revoked": _("API client revoked"),
}
