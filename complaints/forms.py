"""Forms: parse input only; the services decide and validate the rules."""

from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.core.access import MAX_ID
from crm.ui.bulk import BulkForm
from crm.ui.forms import DateField, DateTimeField, IdMultipleChoiceField
from crm.ui.widgets import NativeDateInput, NativeDateTimeInput
from customers.records.models import Product

from .models import (
    BusinessCategory,
    Cause,
    Channel,
    ClockPause,
    Notice,
    Remedy,
    Satisfaction,
    SlaProfile,
    State,
)
from .selectors import handler_choices

MAX_UPLOAD = 10 * 1024 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(d, initial) for d in data if d]
        else:
            files = [single(data, initial)] if data else []
        for f in files:
            if f.size > MAX_UPLOAD:
                raise forms.ValidationError(_("A document may be at most 10 MB."))
        return files


class IntakeForm(forms.Form):
    is_anonymous = forms.BooleanField(label=_("Anonymous complaint"), required=False)
    complainant_name = forms.CharField(label=_("Complainant"), max_length=100, required=False)
    complainant_contact = forms.CharField(
        label=_("Contact (phone, address)"), max_length=100, required=False
    )
    channel = forms.ModelChoiceField(
        label=pgettext_lazy("complaint", "Channel"), queryset=Channel.objects.filter(is_active=True)
    )
    received_at = DateTimeField(label=_("Received at"), widget=NativeDateTimeInput())
    business_category = forms.ModelChoiceField(
        label=_("Business category"), queryset=BusinessCategory.objects.filter(is_active=True)
    )
    cause = forms.ModelChoiceField(label=_("Cause"), queryset=Cause.objects.filter(is_active=True))
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.order_by("name"), required=False
    )
    demands = forms.CharField(label=_("Demands"), widget=forms.Textarea(attrs={"rows": 2}))
    facts = forms.CharField(label=_("Facts and reasons"), widget=forms.Textarea(attrs={"rows": 4}))
    regulator_reference = forms.CharField(
        label=_("Regulator's reference"), max_length=60, required=False
    )
    files = MultipleFileField(label=_("Documents"), required=False)
    confirm_new = forms.BooleanField(
        label=_("This is a new complaint, not one of the similar ones above"), required=False
    )

    def __init__(self, *args, customer=None, regulator=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.fields["received_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        if customer is not None:
            del self.fields["is_anonymous"]
            self.fields["complainant_name"].initial = customer.name
        if not regulator:
            del self.fields["regulator_reference"]
        else:
            self.fields["regulator_reference"].required = True


class TransitionForm(forms.Form):
    to_state = forms.ChoiceField(choices=State.choices)
    expected_state = forms.ChoiceField(choices=State.choices, required=False)
    notice_via = forms.ChoiceField(
        label=_("Notice sent via"), choices=Notice.Via.choices, required=False
    )
    notice_evidence = forms.CharField(
        label=_("Evidence (receipt no., recording id)"), required=False
    )
    reason = forms.CharField(
        label=_("Reason for not accepting"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    decision = forms.CharField(
        label=_("Decision"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    remedies = forms.MultipleChoiceField(
        label=_("Remedies stated"),
        choices=Remedy.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    review_reason = forms.CharField(
        label=_("Grounds for review"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    review_result = forms.CharField(
        label=_("Review result"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        choices=[("", "—"), *Satisfaction.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    withdrawn_reason = forms.CharField(label=_("Reason for withdrawal"), required=False)
    note = forms.CharField(label=_("Note"), required=False)


class ExtensionForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the case needs more time"), widget=forms.Textarea(attrs={"rows": 2})
    )
    notice_via = forms.ChoiceField(
        label=_("The complainant will be notified via"), choices=Notice.Via.choices
    )


class WithdrawalRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawal"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProfileForm(forms.Form):
    """Compliance moves a complaint to another SLA profile (complaint_change_profile)."""

    profile = forms.ModelChoiceField(
        label=_("SLA profile"),
        queryset=SlaProfile.objects.all(),
        empty_label=None,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    reason = forms.CharField(label=_("Why this profile applies"), max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read the few profiles once: the select would otherwise run its query twice.
        field = self.fields["profile"]
        field.widget.choices = [(p.pk, str(p)) for p in field.queryset]


class PauseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=ClockPause.Reason.choices)
    started_on = DateField(label=_("Paused from"), widget=NativeDateInput())
    note = forms.CharField(label=_("Note"), required=False)


class ResumeForm(forms.Form):
    ended_on = DateField(label=_("Resumed on"), widget=NativeDateInput())
    new_facts = forms.BooleanField(label=_("New facts: restart the period"), required=False)
    note = forms.CharField(label=_("Note"), required=False)


class NewFactsForm(forms.Form):
    on = DateField(label=_("New facts received on"), widget=NativeDateInput())
    note = forms.CharField(label=_("What is new"), widget=forms.Textarea(attrs={"rows": 2}))


class FastSelect(forms.Select):
    """A select list rendered in Python: the handler list has hundreds of staff, and the
    template include Django renders per option cost ~0.2 ms each."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = set(self.format_value(value))
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if str(v) in chosen else ""}>'
            f"{escape(label)}</option>"
            for v, label in self.choices
        )
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308 (escaped above)


class QueueFilterForm(forms.Form):
    STATUS = [
        ("clock", _("Clock running")),
        ("open", _("All open")),
        ("all", _("All")),
        *State.choices,
    ]
    # A search term is a reference, a name or a number: a 55,000-character one is refused.
    q = forms.CharField(
        label=_("Reference, complainant or customer number"), required=False, max_length=100
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS, required=False)
    due_within = forms.IntegerField(
        label=_("Due within (days)"), min_value=0, max_value=365, required=False
    )
    breached = forms.BooleanField(label=_("Breached"), required=False)
    unassigned = forms.BooleanField(label=_("Unassigned"), required=False)
    regulator = forms.BooleanField(label=_("Regulator-forwarded"), required=False)
    # Select lists, filled from selectors.queue_filter_choices() (two queries for all six).
    branch = forms.TypedChoiceField(
        label=_("Branch"), coerce=int, required=False, widget=FastSelect
    )
    product = forms.TypedChoiceField(
        label=_("Product"), coerce=int, required=False, widget=FastSelect
    )
    channel = forms.TypedChoiceField(
        label=pgettext_lazy("complaint", "Channel"), coerce=int, required=False, widget=FastSelect
    )
    business_category = forms.TypedChoiceField(
        label=_("Business category"), coerce=int, required=False, widget=FastSelect
    )
    cause = forms.TypedChoiceField(label=_("Cause"), coerce=int, required=False, widget=FastSelect)
    handler = forms.TypedChoiceField(
        label=_("Handler"), coerce=int, required=False, widget=FastSelect
    )
    order = forms.ChoiceField(
        label=_("Order"),
        choices=[
            ("due", _("Due first")),
            ("-received", _("Newest first")),
            ("received", _("Oldest first")),
        ],
        required=False,
    )

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for name, options in choices.items():
            self.fields[name].choices = [("", "---------"), *options]


class QueueParamsForm(forms.Form):
    """Parses the queue's query string without touching the database (ids, not objects), so
    filtering costs no extra queries; QueueFilterForm renders the select lists."""

    q = forms.CharField(required=False, max_length=100)
    status = forms.ChoiceField(choices=QueueFilterForm.STATUS, required=False)
    due_within = forms.IntegerField(min_value=0, max_value=365, required=False)
    breached = forms.BooleanField(required=False)
    unassigned = forms.BooleanField(required=False)
    regulator = forms.BooleanField(required=False)
    branch = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    product = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    channel = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    business_category = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    cause = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    handler = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    order = forms.ChoiceField(
        choices=[("due", "due"), ("-received", "-received"), ("received", "received")],
        required=False,
    )


class AssignForm(forms.Form):
    handler = forms.ModelChoiceField(label=_("Handler"), queryset=None, widget=FastSelect)
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handler_choices()


class HandlerSlot(FastSelect):
    """The bulk bar's handler list, rendered empty: the queue's filter fragment (loaded apart,
    where the handlers are read once for the handler filter) fills it in place, so the queue
    page itself runs no query for hundreds of staff."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        return mark_safe(f'<select{flatatt(final)}><option value="">---------</option></select>')  # noqa: S308 (no user text)


class QueueBulkAssignForm(BulkForm):
    handler = forms.ModelChoiceField(label=_("Handler"), queryset=None, widget=HandlerSlot)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handler_choices()


class QueueBulkAcceptForm(BulkForm):
    notice_via = forms.ChoiceField(label=_("Notice sent via"), choices=Notice.Via.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class FastSelectMultiple(FastSelect, forms.SelectMultiple):
    """FastSelect's rendering with SelectMultiple's reading of the posted values."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"multiple": True, **(attrs or {})}, choices)


class NamedStaffForm(forms.Form):
    staff = IdMultipleChoiceField(
        label=_("Staff named in the complaint"),
        queryset=None,
        required=False,
        widget=FastSelectMultiple(attrs={"size": 12, "class": "form-select"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = handler_choices()


class StatsForm(forms.Form):
    start = DateField(
        label=_("From"),
        widget=NativeDateInput(),
        required=False,
    )
    end = DateField(
        label=_("To"),
        widget=NativeDateInput(),
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The start date must not be after the end date."))
        return data
