"""The global search page and its as-you-type fragment (crm.ui.search).

The top bar's box posts: the term travels in the request body, which no access log or
browser history keeps. Without JavaScript the post is answered with a 303 to the results
page, whose URL holds the free-text term or, for an identifier (ID number, credit code,
mobile, e-mail, account number), only its keyed-hash token — as the customer list does. A
GET link that still carries an identifier in clear is redirected to its token the same way.
"""

from urllib.parse import urlencode

from django import forms
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.vary import vary_on_headers

from crm import identifiers
from crm.accounts.permissions import signed_in
from crm.core.config import fiducia
from crm.ui import search as global_search
from crm.ui.registry import search_providers


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    qk = forms.RegexField(
        regex=identifiers.TOKEN_RE,
        required=False,
        error_messages={"invalid": _("This search link is not valid; please search again.")},
    )
    group = forms.CharField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A term is a name or a number: a 55,000-character one gets the field's "at most N
        # characters" message, and nothing is searched.
        self.fields["q"] = forms.CharField(
            label=_("Search"), required=False, max_length=fiducia("SEARCH", "MAX_LENGTH")
        )

    def term(self) -> global_search.Term:
        return global_search.term_of(self.cleaned_data["q"], self.cleaned_data["qk"])


def _see_other(term: global_search.Term, group: str = "") -> HttpResponseRedirect:
    params = {**term.params(), **({"group": group} if group else {})}
    response = HttpResponseRedirect(f"{reverse('ui:search')}?{urlencode(params)}")
    response.status_code = 303
    return response


# Any signed-in user: every result group checks its own permission and the user's scope.
@signed_in
@vary_on_headers("HX-Request")
def search(request):
    data = request.POST if request.method == "POST" else request.GET
    form = SearchForm(data or None)
    valid = form.is_bound and form.is_valid()
    if valid and not request.htmx:
        term = form.term()
        clear_in_url = request.method == "GET" and identifiers.find_identifier(
            form.cleaned_data["q"]
        )
        if request.method == "POST" or clear_in_url:
            return _see_other(term, form.cleaned_data["group"])
    term = form.term() if valid else global_search.Term()
    group = form.cleaned_data.get("group", "") if valid else ""
    keys = {p.key: p for p in search_providers(request.user)}
    group = group if group in keys else ""
    limit = fiducia("SEARCH", "GROUP_PAGE_LIMIT" if group else "GROUP_LIMIT")
    groups = global_search.search(request.user, term, only=group, limit=limit) if term else []
    context = {
        "form": form,
        "term": term,
        "groups": groups,
        "group": keys[group].label if group else "",
        "all_url": f"{reverse('ui:search')}?{urlencode(term.params())}" if term else "",
    }
    template = "ui/_search_results.html" if request.htmx else "ui/search.html"
    return render(request, template, context)
