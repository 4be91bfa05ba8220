"""API clients in Django admin: create (the token is shown once, on the page that answers the
form, and stored nowhere), revoke (an action), and change only the rate and the expiry."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.accounts.models import Branch
from crm.core.admin_mixins import AuditedAdminMixin

from . import scopes
from .models import ApiClient
from .services import api_client_create, api_client_revoke


class ApiClientAddForm(forms.ModelForm):
    scope_list = forms.MultipleChoiceField(
        label=_("Scopes"), choices=scopes.choices, widget=forms.CheckboxSelectMultiple
    )
    expires_in_days = forms.IntegerField(
        label=_("Expires in (days)"),
        min_value=0,
        max_value=3650,
        initial=365,
        help_text=_("0: the token never expires."),
    )
    branch = forms.ModelChoiceField(
        label=_("Restricted to branch"),
        queryset=Branch.objects.order_by("path"),
        required=False,
        help_text=_("Empty: the client sees the whole institution's customers."),
    )

    class Meta:
        model = ApiClient
        fields = ["name", "rate_per_minute"]


class ApiClientAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "token_prefix",
        "scope_text",
        "branch",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_select_related = ["branch"]
    search_fields = ["name", "token_prefix"]
    ordering = ["name", "pk"]
    actions = ["revoke"]
    add_form_template = None

    @admin.display(description=_("scopes"))
    def scope_text(self, obj):
        return ", ".join(obj.scopes)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiClientAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "scope_list", "expires_in_days", "branch", "rate_per_minute"]
        return [
            "name",
            "scope_text",
            "branch",
            "user",
            "token_prefix",
            "created_at",
            "created_by",
            "expires_at",
            "revoked_at",
            "revoked_by",
            "last_used_at",
            "rate_per_minute",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # Scopes and branch are fixed: issue a new client for other rights.
        return [
            "name",
            "scope_text",
            "branch",
            "user",
            "token_prefix",
            "created_at",
            "created_by",
            "revoked_at",
            "revoked_by",
            "last_used_at",
        ]

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: audit rows keep pointing at the client

    def add_view(self, request, form_url="", extra_context=None):
        if request.method == "POST":
            form = ApiClientAddForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    client, token = api_client_create(
                        request.user,
                        name=data["name"],
                        scopes=data["scope_list"],
                        expires_in_days=data["expires_in_days"],
                        branch=data["branch"],
                        rate_per_minute=data["rate_per_minute"] or 0,
                    )
                except ValidationError as exc:
                    messages.error(request, " ".join(exc.messages))
                else:
                    # Rendered, not redirected: the token never goes through the session.
                    return TemplateResponse(
                        request,
                        "api/token_once.html",
                        {
                            **self.admin_site.each_context(request),
                            "client": client,
                            "token": token,
                            "opts": self.model._meta,
                            "title": _("Token of %(name)s") % {"name": client.name},
                        },
                        headers={"Cache-Control": "no-store"},
                    )
        return super().add_view(request, form_url, extra_context)

    @admin.action(description=_("Revoke the selected clients' tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        n = 0
        for client in queryset:
            if client.revoked_at is None:
                api_client_revoke(request.user, client)
                n += 1
        self.message_user(
            request,
            ngettext("%(n)d client revoked.", "%(n)d clients revoked.", n) % {"n": n},
        )


admin.site.register(ApiClient, ApiClientAdmin)
