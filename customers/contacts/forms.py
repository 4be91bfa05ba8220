"""Forms for interactions and follow-up tasks."""

import os

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.ui.bulk import BulkForm
from crm.ui.forms import DateField, DateTimeField, IdMultipleChoiceField
from crm.ui.widgets import NativeDateTimeInput
from customers.contacts.models import Interaction, InteractionChannel, Purpose
from customers.contacts.selectors import reassign_targets
from customers.records.models import InstitutionContact

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_EXTENSIONS = {".pdf", ".jpg", ".jpeg", ".png", ".docx", ".xlsx", ".txt"}


class InteractionForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=InteractionChannel.choices)
    occurred_at = DateTimeField(
        label=_("Date and time"),
        widget=NativeDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    purpose = forms.ChoiceField(
        label=pgettext_lazy("interaction", "Purpose"), choices=Purpose.choices
    )
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}))
    outcomes = forms.CharField(
        label=_("Outcomes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_steps = forms.CharField(
        label=_("Next steps"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    staff = IdMultipleChoiceField(
        label=_("Colleagues who took part"),
        queryset=get_user_model().objects.none(),
        required=False,
    )
    contacts = IdMultipleChoiceField(
        label=_("Customer contacts"), queryset=InstitutionContact.objects.none(), required=False
    )
    other_participants = forms.CharField(
        label=_("Other participants"), required=False, max_length=200
    )
    attachment = forms.FileField(label=_("Attachment"), required=False)

    def __init__(self, *args, user, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, branch_id=user.branch_id)
            .exclude(pk=user.pk)
            .order_by("display_name", "username")
        )
        if customer.is_institution:
            self.fields["contacts"].queryset = customer.contacts.order_by("-is_primary", "name")
        else:
            del self.fields["contacts"]
        if not self.is_bound:
            self.initial.setdefault(
                "occurred_at", timezone.localtime().replace(second=0, microsecond=0)
            )

    def clean_attachment(self):
        f = self.cleaned_data.get("attachment")
        if not f:
            return None
        if f.size > ATTACHMENT_MAX_BYTES:
            raise ValidationError(_("The attachment may be at most 10 MB."))
        if os.path.splitext(f.name)[1].lower() not in ATTACHMENT_EXTENSIONS:
            raise ValidationError(_("Attach a PDF, image, Word, Excel or text file."))
        return f

    @classmethod
    def for_instance(cls, interaction: Interaction, **kwargs):
        initial = {
            "channel": interaction.channel,
            "occurred_at": timezone.localtime(interaction.occurred_at),
            "purpose": interaction.purpose,
            "summary": interaction.summary,
            "outcomes": interaction.outcomes,
            "next_steps": interaction.next_steps,
            "staff": list(interaction.staff.values_list("pk", flat=True)),
            "contacts": list(interaction.contacts.values_list("pk", flat=True)),
            "other_participants": interaction.other_participants,
        }
        return cls(initial=initial, **kwargs)


class SkipForm(forms.Form):
    reason = forms.CharField(label=_("Reason for skipping"), max_length=500)


class TaskReassignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("New owner"), queryset=get_user_model().objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff


class ManualTaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    due_on = DateField(label=_("Due on"))


# ---- bulk actions on the task list (crm.ui.bulk) ---------------------------------------------


class TaskBulkReassignForm(BulkForm):
    owner = forms.ModelChoiceField(label=_("New owner"), queryset=get_user_model().objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = reassign_targets(self.user)


class TaskBulkRescheduleForm(BulkForm):
    due_on = DateField(label=_("New due date"))
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class TaskBulkSkipForm(BulkForm):
    reason = forms.CharField(label=_("Reason for skipping"), max_length=500)
