"""Forms: override proposal, policy drafts, what-if date."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.ui.forms import DateField
from crm.ui.widgets import NativeDateInput

from .labels import VIP_LABELS, class_label
from .models import WEIGHT_FIELDS, TierPolicy


class OverrideForm(forms.Form):
    tier = forms.ChoiceField(label=_("Class"), choices=[(c, class_label(c)) for c in "ABC"])
    vip_level = forms.ChoiceField(
        label=_("VIP level"),
        choices=[("", _("Keep the computed level")), *VIP_LABELS.items()],
        required=False,
    )
    expires_on = DateField(label=_("Valid until"), widget=NativeDateInput())
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), min_length=4, max_length=1000
    )

    def __init__(self, *args, max_days=180, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = timezone.localdate() + datetime.timedelta(days=max_days)


class PolicyForm(forms.ModelForm):
    class Meta:
        model = TierPolicy
        fields = [
            "name",
            "formula",
            "weights",
            "window_months",
            "a_share",
            "b_share",
            "vip_gold",
            "vip_platinum",
            "vip_diamond",
            "vip_private",
            "vip_min_trades",
            "vip_min_contribution",
            "segment_medium_min",
            "segment_large_min",
            "downgrade_grace_runs",
            "override_days",
            "notes",
        ]

    def clean(self):
        data = super().clean()
        a, b = data.get("a_share"), data.get("b_share")
        if a is not None and b is not None and not (0 < a <= b <= 1):
            self.add_error("b_share", _("Shares must satisfy 0 < A ≤ B ≤ 1."))
        ladder = [data.get(k) for k in ("vip_gold", "vip_platinum", "vip_diamond", "vip_private")]
        if all(v is not None for v in ladder) and ladder != sorted(ladder):
            self.add_error("vip_private", _("The VIP ladder must rise from gold to private."))
        if data.get("formula") == TierPolicy.Formula.CUSTOM:
            weights = data.get("weights") or {}
            if not isinstance(weights, dict) or not weights:
                self.add_error("weights", _("Give at least one weight for the custom formula."))
            else:
                unknown = sorted(set(weights) - set(WEIGHT_FIELDS))
                if unknown:
                    self.add_error(
                        "weights",
                        _("Unknown figures: %(names)s. Allowed: %(allowed)s.")
                        % {"names": ", ".join(unknown), "allowed": ", ".join(WEIGHT_FIELDS)},
                    )
                for value in weights.values():
                    if not isinstance(value, int | float) or isinstance(value, bool):
                        self.add_error("weights", _("Weights must be numbers."))
                        break
        return data


class AsOfForm(forms.Form):
    as_of = DateField(
        label=_("As of"),
        required=False,
        widget=NativeDateInput(),
    )
