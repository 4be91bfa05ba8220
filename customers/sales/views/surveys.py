"""Satisfaction surveys: the customer 360 panel and recording one."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.permissions import requires
from crm.ui.forms import refusal_in_messages
from customers.records.access import access_customer
from customers.sales import selectors
from customers.sales.forms import SurveyForm
from customers.sales.services import surveys


@requires("customers.view_satisfactionsurvey")
def survey_panel(request, pk):
    customer = access_customer(request.user, pk)
    return render(
        request,
        "customers/sales/_survey_panel.html",
        {
            "customer": customer,
            **selectors.survey_summary(customer),
            "form": SurveyForm(),
            "can_write": request.user.has_perm("customers.add_satisfactionsurvey"),
        },
    )


@require_POST
@requires("customers.add_satisfactionsurvey")
def survey_create(request, pk):
    customer = access_customer(request.user, pk)
    form = SurveyForm(request.POST)
    if form.is_valid():
        with refusal_in_messages(request):
            surveys.survey_record(request.user, customer, **form.cleaned_data)
            messages.success(request, _("Survey recorded."))
    else:
        messages.error(request, _("The score is a whole number from 1 to 5."))
    return redirect(reverse("customers:customer-detail", args=[pk]))
