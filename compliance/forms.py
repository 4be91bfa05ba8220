from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.accounts.access import staff_filter
from crm.ui.bulk import BulkForm
from crm.ui.forms import DateField
from crm.ui.widgets import NativeDateInput
from customers.records.access import customers_for
from customers.records.models import Product

from .models import DisposalStep, Severity, SignalKind, SignalSource, WatchAction


class _Crispy:
    submit_label = _("Save")

    def _helper(self):
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", self.submit_label))


class CustomerNumberField(forms.CharField):
    """A customer picked by number, looked up in the user's book (others: "unknown")."""

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        kwargs.setdefault("label", _("Customer number"))
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value).strip().upper()
        customer = customers_for(self.user).filter(number=value).first()
        if customer is None:
            raise forms.ValidationError(
                _("Unknown customer number, or not a customer you may see.")
            )
        return customer


class SignalImportForm(_Crispy, forms.Form):
    submit_label = _("Check the file")
    source = forms.ModelChoiceField(
        label=_("Source"),
        queryset=SignalSource.objects.filter(is_active=True),
        to_field_name="code",
    )
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_(
            "Columns: customer_number, kind, date, severity (1–4), evidence, external_id, value. "
            "Chinese headers are accepted too."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].initial = "file"
        self._helper()


class SignalForm(_Crispy, forms.Form):
    customer = CustomerNumberField()
    kind = forms.ChoiceField(label=_("Kind"), choices=SignalKind.choices)
    severity = forms.TypedChoiceField(label=_("Severity"), choices=Severity.choices, coerce=int)
    observed_on = DateField(
        label=_("Date"),
        widget=NativeDateInput(),
        initial=timezone.localdate,
    )
    evidence = forms.CharField(
        label=_("Evidence"), max_length=2000, widget=forms.Textarea({"rows": 3})
    )
    value = forms.DecimalField(
        label=_("Measure (days, amount)"), max_digits=18, decimal_places=2, required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].user = user
        self._helper()


class StepForm(forms.Form):
    kind = forms.ChoiceField(label=_("Step"), choices=DisposalStep.Kind.choices)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=get_user_model().objects.none())
    due_on = DateField(label=_("Due on"), widget=NativeDateInput())
    outcome = forms.CharField(
        label=_("Outcome (leave empty to plan the step)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
    )

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        if staff is not None:
            self.fields["owner"].queryset = staff


class OutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome"), max_length=2000, widget=forms.Textarea({"rows": 2})
    )


class WatchChangeForm(_Crispy, forms.Form):
    submit_label = _("Send for approval")
    customer = CustomerNumberField()
    action = forms.ChoiceField(
        label=pgettext_lazy("watch list", "Action"),
        choices=[("", _("Remove from the list"))] + list(WatchAction.choices),
        required=False,
    )
    review_on = DateField(
        label=_("Review on"),
        required=False,
        widget=NativeDateInput(),
    )
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].user = user
        self._helper()


class SuitabilityForm(forms.Form):
    customer = CustomerNumberField()
    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.filter(is_active=True).order_by("risk_level", "code"),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].user = user


class ExportRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need this export?"), max_length=500, widget=forms.Textarea({"rows": 2})
    )


# ---- bulk actions on the warning list (crm.ui.bulk) -------------------------------------------


def _assignable(user):
    return (
        get_user_model()
        .objects.filter(staff_filter(user))
        .only("pk", "username", "display_name", "first_name", "last_name")
        .order_by("display_name", "username")
    )


class WarningBulkAssignForm(BulkForm):
    owner = forms.ModelChoiceField(label=_("New owner"), queryset=get_user_model().objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _assignable(self.user)


class WarningBulkStepForm(BulkForm):
    kind = forms.ChoiceField(label=_("Step"), choices=DisposalStep.Kind.choices)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=get_user_model().objects.none())
    due_on = DateField(label=_("Due on"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _assignable(self.user)
