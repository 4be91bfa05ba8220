"""Forms for customer records; the validators of customers/validators.py apply everywhere."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.ui.bulk import BulkForm
from crm.ui.forms import DateField
from crm.ui.widgets import NativeDateInput
from customers.records.models import Customer, CustomerKind
from customers.records.selectors import assignable_staff
from customers.records.services import INLINE_FIELDS, REVEALABLE
from customers.records.validators import (
    birth_date_from_resident_id,
    validate_cn_mobile,
    validate_resident_id,
    validate_uscc,
)


class CustomerForm(forms.ModelForm):
    id_number = forms.CharField(
        label=_("Resident ID number"),
        required=False,
        max_length=18,
        help_text=_("Stored encrypted; leave empty to keep the current number."),
    )
    # Not model fields: the model keeps them encrypted behind properties (clean() sets them).
    mobile = forms.CharField(label=_("mobile"), max_length=20, required=False)
    email = forms.EmailField(label=_("e-mail"), max_length=254, required=False)

    class Meta:
        model = Customer
        fields = [
            "number",
            "kind",
            "institution_type",
            "name",
            "id_type",
            "id_expires_on",
            "gender",
            "birth_date",
            "occupation",
            "mobile",
            "email",
            "address",
            "uscc",
            "legal_representative",
            "owner",
        ]
        widgets = {
            "id_expires_on": NativeDateInput(),
            "birth_date": NativeDateInput(),
        }
        field_classes = {"id_expires_on": DateField, "birth_date": DateField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = assignable_staff(user)
        if self.instance.pk:
            # Ownership changes only through reassignment (audited, with a reason).
            del self.fields["owner"]
            self.fields["number"].disabled = True
            self.fields["kind"].disabled = True
            if self.instance.id_number_masked:
                self.fields["id_number"].help_text = _(
                    "Current: %(masked)s. Leave empty to keep it."
                ) % {"masked": self.instance.id_number_masked}
            # Phone and e-mail are not pre-filled in clear: they need a reveal.
            for name in ("mobile", "email"):
                self.fields[name].required = False
                self.initial[name] = ""
                self.fields[name].help_text = _("Leave empty to keep the current value.")
        else:
            self.initial.setdefault("owner", user.pk)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save")))

    def clean_number(self):
        return self.cleaned_data["number"].strip().upper()

    def clean_mobile(self):
        value = self.cleaned_data.get("mobile", "")
        if not value and self.instance.pk:
            return self.instance.mobile
        return validate_cn_mobile(value) if value else ""

    def clean_email(self):
        value = self.cleaned_data.get("email", "")
        if not value and self.instance.pk:
            return self.instance.email
        return value

    def clean_uscc(self):
        value = self.cleaned_data.get("uscc") or ""
        return validate_uscc(value) if value.strip() else None

    def clean_id_number(self):
        value = self.cleaned_data.get("id_number", "")
        return validate_resident_id(value) if value.strip() else ""

    def clean(self):
        data = super().clean()
        for name in ("mobile", "email"):
            if name in data:
                setattr(self.instance, name, data[name])
        kind = data.get("kind") or self.instance.kind
        if kind == CustomerKind.INDIVIDUAL:
            if data.get("uscc"):
                self.add_error("uscc", _("Individuals have no unified social credit code."))
            data["institution_type"] = ""
            if data.get("id_number"):
                data["birth_date"] = birth_date_from_resident_id(data["id_number"])
                data["id_type"] = "resident_id"
            elif not self.instance.id_number_hash and data.get("id_type") == "resident_id":
                self.add_error("id_number", _("Please enter the resident ID number."))
        elif kind == CustomerKind.INSTITUTION:
            if data.get("id_number"):
                self.add_error("id_number", _("Institutions are identified by their credit code."))
            if not data.get("uscc"):
                self.add_error("uscc", _("Institutions need a unified social credit code."))
            if not data.get("institution_type"):
                self.add_error("institution_type", _("Please choose the institution type."))
        return data


class RevealForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=300,
        min_length=2,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. confirming a transfer by phone")}),
    )

    def __init__(self, *args, field: str, **kwargs):
        super().__init__(*args, **kwargs)
        if field not in REVEALABLE:
            raise ValidationError(_("This field cannot be revealed."))


class InlineEditForm(forms.ModelForm):
    """One small field of the 360 page, edited in place with htmx."""

    class Meta:
        model = Customer
        fields = list(INLINE_FIELDS)
        widgets = {"id_expires_on": NativeDateInput()}
        field_classes = {"id_expires_on": DateField}

    def __init__(self, *args, field: str, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name != field:
                del self.fields[name]


class ReassignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("New relationship manager"), queryset=None)
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = assignable_staff(user)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_(
            "Columns: number, kind, name, institution_type, id_number, uscc, mobile, email, "
            "legal_representative, owner (username). Chinese headers are accepted too."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("upload", _("Check the file")))


class PiiExportRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need the unmasked data?"),
        max_length=500,
        widget=forms.Textarea({"rows": 2}),
    )


class CustomerBulkReassignForm(BulkForm):
    """The customer list's bulk reassignment (crm.ui.bulk): to one RM, with a reason."""

    owner = forms.ModelChoiceField(label=_("New relationship manager"), queryset=None)
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = assignable_staff(self.user)
