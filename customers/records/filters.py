"""The customer list's filters and search (DESIGN §5.1). Choices are loaded once per request so
the list keeps a fixed number of queries whatever the filters."""

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from crm import identifiers
from crm.accounts.access import Scope, scope_of
from crm.accounts.models import Branch
from customers.records.access import customers_for
from customers.records.models import Customer, CustomerKind, RiskClass, Tier, VipLevel
from customers.records.selectors import (
    ORDERINGS,
    assignable_staff,
    kyc_expiring_q,
    open_tasks_exists,
    search_q,
    token_q,
)

SORT_CHOICES = [
    ("number", _("Customer number")),
    ("-number", _("Customer number, descending")),
    ("name", _("Name")),
    ("-aum", _("AUM, largest first")),
    ("aum", _("AUM, smallest first")),
]


SEARCH_MAX_LENGTH = 100


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        # A search term is a name or a number: a 55,000-character one is refused with the
        # field's "at most N characters" message, not run through every search key.
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("Name, pinyin, customer no., phone last 4, ID no. or USCC"),
                "autocomplete": "off",
            }
        ),
    )
    # An identifier searched for travels as its keyed-hash token (search_params), never in clear.
    qk = django_filters.CharFilter(
        method="filter_token",
        widget=forms.HiddenInput,
        validators=[
            RegexValidator(
                identifiers.TOKEN_RE,
                message=_("This search link is not valid; please search again."),
            )
        ],
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CustomerKind.choices)
    tier = django_filters.ChoiceFilter(label=_("Value class"), choices=Tier.choices)
    vip_level = django_filters.ChoiceFilter(label=_("VIP level"), choices=VipLevel.choices)
    risk_class = django_filters.ChoiceFilter(label=_("Risk class"), choices=RiskClass.choices)
    owner = django_filters.ChoiceFilter(label=_("Relationship manager"), field_name="owner_id")
    branch = django_filters.ChoiceFilter(label=_("Branch"), field_name="branch_id")
    kyc_expiring = django_filters.BooleanFilter(
        label=_("Risk assessment expires within 30 days"),
        method="filter_kyc_expiring",
        widget=forms.CheckboxInput,
    )
    open_tasks = django_filters.BooleanFilter(
        label=_("Has open follow-up tasks"), method="filter_open_tasks", widget=forms.CheckboxInput
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=SORT_CHOICES, method="filter_noop", empty_label=None
    )

    class Meta:
        model = Customer
        fields = ["q", "kind", "tier", "vip_level", "risk_class", "owner", "branch"]

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.search_kind = None
        # RMs see only their own book: an owner or branch filter would be noise (and queries).
        if user is None or scope_of(user) < Scope.TEAM:
            del self.filters["owner"]
            del self.filters["branch"]
            return
        if scope_of(user) is Scope.ALL:
            # Hundreds of RMs make a useless drop-down: compliance types a username instead.
            self.filters["owner"] = django_filters.CharFilter(
                label=_("Relationship manager (username)"), field_name="owner__username"
            )
            branches = Branch.objects.order_by("path").values_list("pk", "name")
            self.filters["branch"].extra["choices"] = [(str(pk), name) for pk, name in branches]
            return
        staff = list(assignable_staff(user).select_related("branch"))
        self.filters["owner"].extra["choices"] = [(str(u.pk), str(u)) for u in staff]
        branches = sorted({(u.branch.path, u.branch_id, u.branch.name) for u in staff})
        self.filters["branch"].extra["choices"] = [(str(pk), name) for _p, pk, name in branches]

    def filter_search(self, queryset, name, value):
        if not value.strip():
            return queryset
        self.search_kind, condition = search_q(value)
        return queryset.filter(condition)

    def filter_token(self, queryset, name, value):
        if not value:
            return queryset
        self.search_kind, condition = token_q(value)
        return queryset.filter(condition)

    def filter_kyc_expiring(self, queryset, name, value):
        return queryset.filter(kyc_expiring_q()) if value else queryset

    def filter_open_tasks(self, queryset, name, value):
        return queryset.filter(open_tasks_exists()) if value else queryset

    def filter_noop(self, queryset, name, value):
        return queryset

    @property
    def ordering(self) -> list[str]:
        sort = self.form.cleaned_data.get("sort") if self.form.is_valid() else None
        return ORDERINGS.get(sort or "number", ORDERINGS["number"])


def search_params(params) -> dict:
    """The list's query (a QueryDict or dict) as it may be kept: in a URL, a saved filter, an
    export's filters, an audit row. An identifier in the search term (ID number, credit code,
    mobile, e-mail, account number) is replaced by its keyed-hash token `qk`; a new free-text
    term replaces an earlier token."""
    items = params.dict() if hasattr(params, "dict") else dict(params)
    out = {k: v for k, v in items.items() if k not in _NOT_KEPT and v not in ("", None)}
    term = str(out.get("q", "")).strip()
    found = identifiers.find_identifier(term)
    if found:
        del out["q"]
        out["qk"] = identifiers.search_token(*found)
    elif term:
        out.pop("qk", None)
    return out


def has_identifier(params) -> bool:
    """Whether the query carries an identifier in clear (then it is redirected to its token)."""
    return identifiers.find_identifier(str(params.get("q", ""))) is not None


_NOT_KEPT = {"csrfmiddlewaretoken"}


def customer_filter(user, params):
    """The filter set for `params` and the filtered customers of the user's book (all of the
    book while the filters are empty or invalid)."""
    filterset = CustomerFilter(params or None, queryset=customers_for(user), user=user)
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    return filterset, qs
