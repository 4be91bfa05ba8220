"""Forms of sales and service management (parse input; services validate and write)."""

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from crm.ui.bulk import BulkForm
from crm.ui.forms import DateField, DateTimeField
from crm.ui.widgets import NativeDateInput, NativeDateTimeInput
from customers.records.access import customers_for
from customers.records.selectors import assignable_staff
from customers.sales.models import (
    Activity,
    Channel,
    HandoverPlan,
    LifecycleStage,
    PeriodKind,
    Prospect,
    Statement,
    SurveyContext,
)

DATE = NativeDateInput()
SCORES = [(i, str(i)) for i in range(1, 6)]


class ProspectForm(forms.ModelForm):
    # Not a model field: the model keeps it encrypted (Prospect.contact sets the columns).
    contact = forms.CharField(label=_("Contact details"), required=False, max_length=120)
    referred_by_number = forms.CharField(
        label=_("Referred by (customer number)"), required=False, max_length=20
    )

    field_order = ["name", "kind", "contact"]

    class Meta:
        model = Prospect
        fields = [
            "name",
            "kind",
            "source",
            "channel",
            "activity",
            "owner",
            "expected_aum",
            "next_step",
            "next_step_on",
        ]
        widgets = {"next_step_on": DATE}
        field_classes = {"next_step_on": DateField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from customers.sales.access import activities_for

        self.user = user
        self.fields["owner"].queryset = assignable_staff(user)
        self.fields["owner"].initial = user.pk
        self.fields["channel"].queryset = Channel.objects.filter(is_active=True)
        self.fields["activity"].queryset = activities_for(user).exclude(
            status=Activity.Status.CANCELLED
        )

    def clean_referred_by_number(self):
        number = self.cleaned_data["referred_by_number"].strip().upper()
        if not number:
            return None
        customer = customers_for(self.user).filter(number=number).first()
        if customer is None:
            raise forms.ValidationError(_("No customer with this number in your book."))
        return customer

    def clean(self):
        # The view hands `form.instance` to the service (pipeline.prospect_create), which
        # saves it; the referring customer is found by number, not a model field of the form.
        data = super().clean()
        self.instance.referred_by = data.get("referred_by_number")
        self.instance.contact = data.get("contact", "")
        return data


class NextStepForm(forms.Form):
    next_step = forms.CharField(label=_("Next step"), max_length=200, required=False)
    next_step_on = DateField(label=_("Due"), required=False, widget=DATE)


class MoveForm(forms.Form):
    to = forms.CharField(max_length=12)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    customer_number = forms.CharField(label=_("Customer number"), max_length=20, required=False)
    aum_raised = forms.DecimalField(
        label=_("AUM raised"), max_digits=18, decimal_places=2, required=False, min_value=0
    )


class HandoverStartForm(forms.Form):
    departing = forms.ModelChoiceField(label=_("Departing staff member"), queryset=None)
    default_successor = forms.ModelChoiceField(label=_("Default successor"), queryset=None)
    reason = forms.ChoiceField(label=_("Reason"), choices=HandoverPlan.Reason.choices)
    note = forms.CharField(
        label=_("General handover note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from customers.sales.selectors import staff_in_scope

        self.fields["departing"].queryset = staff_in_scope(user).order_by(
            "display_name", "username"
        )
        self.fields["default_successor"].queryset = assignable_staff(user)


class HandoverAssignForm(forms.Form):
    successor = forms.ModelChoiceField(
        label=_("Successor"),
        queryset=None,
        required=False,
        empty_label=_("— the default successor —"),
    )
    note = forms.CharField(
        label=_("Handover note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = assignable_staff(user)
        self.fields["successor"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["note"].widget.attrs["class"] = "form-control form-control-sm"


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = [
            "title",
            "kind",
            "channel",
            "organiser",
            "starts_at",
            "location",
            "budget",
            "description",
        ]
        widgets = {
            "starts_at": NativeDateTimeInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"starts_at": DateTimeField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = assignable_staff(user)
        self.fields["organiser"].initial = user.pk
        self.fields["channel"].queryset = Channel.objects.filter(is_active=True)
        self.fields["budget"].validators.append(MinValueValidator(0))


class EvaluationForm(forms.Form):
    period_start = DateField(label=_("Period start"), widget=DATE)
    period_end = DateField(label=_("Period end"), widget=DATE)
    volume_score = forms.TypedChoiceField(label=_("Business volume"), choices=SCORES, coerce=int)
    quality_score = forms.TypedChoiceField(label=_("Customer quality"), choices=SCORES, coerce=int)
    compliance_score = forms.TypedChoiceField(label=_("Compliance"), choices=SCORES, coerce=int)
    service_score = forms.TypedChoiceField(label=_("Service"), choices=SCORES, coerce=int)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewForm(forms.Form):
    market_note = forms.CharField(
        label=_("Market note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class SendForm(forms.Form):
    via = forms.ChoiceField(label=_("Sent via"), choices=Statement.SentVia.choices)


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices)
    period_start = DateField(label=_("Period start"), widget=DATE)


class SurveyForm(forms.Form):
    context = forms.ChoiceField(
        label=_("Occasion"),
        choices=SurveyContext.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    score = forms.TypedChoiceField(
        label=_("Score"),
        choices=SCORES,
        coerce=int,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reference = forms.CharField(label=_("Reference"), required=False, max_length=80)


# ---- bulk actions on the pipeline board (crm.ui.bulk) -----------------------------------------


class ProspectBulkAssignForm(BulkForm):
    owner = forms.ModelChoiceField(label=_("New owner"), queryset=None)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = assignable_staff(self.user)


class ProspectBulkMoveForm(BulkForm):
    # Conversion (to "active") names or creates a customer: one prospect at a time.
    to_stage = forms.ChoiceField(
        label=_("Move to"),
        choices=[
            (s.value, s.label)
            for s in (LifecycleStage.PROSPECT, LifecycleStage.ONBOARDING, LifecycleStage.EXITED)
        ],
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
