from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from crm.audit.services import record as audit
from crm.core.admin_mixins import IdChoicesAdminMixin
from crm.ui.registry import metrics

from . import services
from .models import Course, Target, TrainingRecord


class TargetForm(forms.ModelForm):
    metric_key = forms.ChoiceField(label=_("metric"))

    class Meta:
        model = Target
        fields = ["user", "team", "metric_key", "year", "quarter", "value", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(m.key, m.label) for m in metrics()]
        current = self.instance.metric_key if self.instance and self.instance.pk else None
        if current and current not in dict(choices):
            choices.append((current, current))  # a metric no longer registered stays editable
        self.fields["metric_key"].choices = choices

    def clean(self):
        data = super().clean()
        if bool(data.get("user")) == bool(data.get("team")):
            raise forms.ValidationError(_("Choose either a staff member or a team, not both."))
        return data


@admin.register(Target)
class TargetAdmin(IdChoicesAdminMixin, admin.ModelAdmin):
    form = TargetForm
    list_display = ["subject_display", "metric_key", "year", "quarter", "value", "updated_at"]
    list_filter = ["year", "quarter", "metric_key"]
    search_fields = ["user__username", "user__display_name", "team__name"]
    autocomplete_fields = ["user"]
    readonly_fields = ["updated_by", "updated_at"]

    @admin.display(description=_("staff member or team"))
    def subject_display(self, obj):
        return obj.subject

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit(
                request.user,
                "target.set",
                obj,
                after={
                    "metric": obj.metric_key,
                    "period": obj.period_label,
                    "value": str(obj.value),
                },
            )


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "title",
        "kind",
        "mandatory",
        "validity_months",
        "reminder_days",
        "is_active",
    ]
    list_filter = ["kind", "mandatory", "is_active"]
    search_fields = ["code", "title"]

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change and "validity_months" in form.changed_data:
                services.refresh_expiries(obj)


@admin.register(TrainingRecord)
class TrainingRecordAdmin(IdChoicesAdminMixin, admin.ModelAdmin):
    list_display = ["user", "course", "attended_on", "completed_on", "score", "expires_on"]
    list_filter = ["course__kind", "course"]
    search_fields = ["user__username", "user__display_name", "course__title", "course__code"]
    autocomplete_fields = ["user"]
    readonly_fields = ["expires_on", "recorded_by", "recorded_at"]
    date_hierarchy = "attended_on"

    def save_model(self, request, obj, form, change):
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
