"""Saving an edit form unchanged in the Chinese interface changes nothing (issue 15, item 0).

Native date inputs rendered with the Chinese input format (`2027/01/27`) show empty in the
browser, and saving the customer form unchanged erased the birth date and the ID expiry date.
This opens, in a Chinese browser, every edit form that shows a stored date or time, saves it
unchanged and compares the rows before and after."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.contacts.models import Interaction
from customers.contacts.services import interaction_log
from customers.records.models import Customer
from customers.sales.models import Prospect
from tests.conftest import screenshot
from tests.customers.sales.factories import ProspectFactory
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Bookkeeping columns a save may touch; every column a user can see or edit must not change.
BOOKKEEPING = {"updated_at"}


def _row(model, pk):
    obj = model.objects.get(pk=pk)
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.name not in BOOKKEEPING
    }


def test_saving_edit_forms_unchanged_in_chinese_keeps_every_date(page, login, rm):
    customer = CustomerFactory(
        owner=rm,
        birth_date=datetime.date(1980, 3, 9),
        id_expires_on=datetime.date(2027, 1, 27),
        occupation="工程师",
    )
    prospect = ProspectFactory(
        owner=rm, next_step="电话回访", next_step_on=datetime.date(2027, 2, 3)
    )
    interaction = interaction_log(
        rm,
        customer,
        channel="phone",
        # As the form logs it: to the minute (a datetime-local input has no seconds).
        occurred_at=timezone.localtime().replace(second=0, microsecond=0)
        - datetime.timedelta(hours=2),
        purpose="service",
        summary="季度回访",
    )
    before = {
        "customer": _row(Customer, customer.pk),
        "prospect": _row(Prospect, prospect.pk),
        "interaction": _row(Interaction, interaction.pk),
    }
    detail = page.base_url + reverse("customers:customer-detail", args=[customer.pk])
    login(rm)
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    # The customer edit form: birth date and ID expiry are native date inputs.
    page.goto(page.base_url + reverse("customers:customer-edit", args=[customer.pk]))
    assert page.input_value("input[name=birth_date]") == "1980-03-09"
    assert page.input_value("input[name=id_expires_on]") == "2027-01-27"
    screenshot(page, "customer-edit-dates-zh")
    page.click("input[type=submit][name=save]")
    page.wait_for_url(detail)

    # The 360 page's in-place edit of the ID expiry date (htmx fragment).
    page.click("#inline-id_expires_on button")
    page.wait_for_selector("form#inline-id_expires_on input[name=id_expires_on]")
    assert page.input_value("form#inline-id_expires_on input[name=id_expires_on]") == "2027-01-27"
    page.click("form#inline-id_expires_on button.btn-primary")
    page.wait_for_selector("span#inline-id_expires_on")

    # The prospect's next-step form: a native date input pre-filled with the due date.
    page.goto(page.base_url + reverse("customers:prospect-detail", args=[prospect.pk]))
    form = page.locator("form[action$='/next/']")
    assert form.locator("input[name=next_step_on]").input_value() == "2027-02-03"
    form.locator("button").click()
    page.wait_for_selector(".alert")

    # Editing a logged contact: occurred_at is a native datetime-local input.
    page.goto(page.base_url + reverse("customers:interaction-edit", args=[interaction.pk]))
    shown = timezone.localtime(interaction.occurred_at).strftime("%Y-%m-%dT%H:%M")
    assert page.input_value("input[name=occurred_at]") == shown
    page.click("#interaction-submit")
    page.wait_for_url(detail)

    after = {
        "customer": _row(Customer, customer.pk),
        "prospect": _row(Prospect, prospect.pk),
        "interaction": _row(Interaction, interaction.pk),
    }
    assert after == before
