"""Native date and time inputs carry ISO values in every language (issue 15, item 0).

A browser's `<input type="date">` takes only `2027-01-27` (`datetime-local`: `2027-01-27T09:30`).
Rendered with the Chinese input format (`2027/01/27`) the field shows empty, and saving the form
unchanged erased birth dates and ID expiry dates. Every form's native date input must be one of
crm.ui.widgets' ISO widgets; the edit forms that pre-fill a date show it in ISO in Chinese."""

import datetime
import importlib
import pkgutil
import re

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone, translation

from crm.ui.widgets import NativeDateInput, NativeDateTimeInput, NativeTimeInput
from customers.contacts.forms import InteractionForm
from customers.contacts.services import interaction_log
from customers.records.forms import CustomerForm, InlineEditForm
from customers.sales.forms import NextStepForm
from tests.customers.sales.factories import ProspectFactory
from tests.factories import CustomerFactory

PROJECT_PACKAGES = ("crm", "customers", "tiering", "complaints", "compliance")
NATIVE = {"date": NativeDateInput, "datetime-local": NativeDateTimeInput, "time": NativeTimeInput}
SAMPLE = {
    "date": (datetime.date(2027, 1, 27), "2027-01-27"),
    "datetime-local": (datetime.datetime(2027, 1, 27, 9, 30), "2027-01-27T09:30"),
    "time": (datetime.time(9, 30), "09:30"),
}


def _project_forms():
    for package in PROJECT_PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if ".migrations" in info.name or ".management" in info.name:
                continue
            importlib.import_module(info.name)
    seen, todo = set(), [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return [c for c in seen if c.__module__.startswith(PROJECT_PACKAGES)]


def _native_fields():
    for form_class in _project_forms():
        for name, field in getattr(form_class, "base_fields", {}).items():
            input_type = getattr(field.widget, "input_type", None)
            if input_type in NATIVE:
                yield f"{form_class.__module__}.{form_class.__name__}.{name}", field, input_type


def _value(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert tag, f"no input named {name}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def test_every_native_date_or_time_input_renders_iso_in_chinese():
    fields = list(_native_fields())
    # Customer edit (2), inline edit, prospect (2), activity, evaluation (2), statements,
    # interaction, tiering (2), complaints (6), compliance (3): the walk must find them.
    assert len(fields) >= 20, [f[0] for f in fields]
    wrong = []
    with translation.override("zh-hans"):
        for label, field, input_type in fields:
            value, iso = SAMPLE[input_type]
            html = field.widget.render("f", value)
            if not isinstance(field.widget, NATIVE[input_type]) or _value(html, "f") != iso:
                wrong.append(f"{label}: {html}")
    assert not wrong, "native inputs not rendered in ISO:\n" + "\n".join(wrong)


@pytest.mark.django_db
def test_edit_forms_with_dates_prefill_iso_values_in_chinese(rm):
    customer = CustomerFactory(
        owner=rm, birth_date=datetime.date(1980, 3, 9), id_expires_on=datetime.date(2027, 1, 27)
    )
    prospect = ProspectFactory(owner=rm, next_step_on=datetime.date(2027, 2, 3))
    occurred = timezone.make_aware(datetime.datetime(2026, 11, 5, 14, 45))
    interaction = interaction_log(
        rm, customer, channel="phone", occurred_at=occurred, purpose="service", summary="回访"
    )
    with translation.override("zh-hans"):
        edit = str(CustomerForm(instance=customer, user=rm))
        inline = str(InlineEditForm(instance=customer, field="id_expires_on"))
        next_step = str(NextStepForm(initial={"next_step_on": prospect.next_step_on}))
        contact = str(InteractionForm.for_instance(interaction, user=rm, customer=customer))
    assert _value(edit, "birth_date") == "1980-03-09"
    assert _value(edit, "id_expires_on") == "2027-01-27"
    assert _value(inline, "id_expires_on") == "2027-01-27"
    assert _value(next_step, "next_step_on") == "2027-02-03"
    assert _value(contact, "occurred_at") == "2026-11-05T14:45"


@pytest.mark.django_db
def test_customer_edit_page_in_chinese_shows_iso_dates(client, rm):
    customer = CustomerFactory(
        owner=rm, birth_date=datetime.date(1980, 3, 9), id_expires_on=datetime.date(2027, 1, 27)
    )
    client.force_login(rm)
    page = client.get(
        reverse("customers:customer-edit", args=[customer.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert 'lang="zh-hans"' in page or "保存" in page  # the page is the Chinese one
    assert _value(page, "birth_date") == "1980-03-09"
    assert _value(page, "id_expires_on") == "2027-01-27"


def test_every_date_filter_of_a_list_page_is_a_native_date_input():
    """List filters too (issue 20 item 7: the audit log's dates were plain text boxes)."""
    import django_filters

    _project_forms()  # imports every project module, so every FilterSet class exists
    seen, todo = set(), [django_filters.FilterSet]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    dates = [
        (f"{cls.__module__}.{cls.__name__}.{name}", f)
        for cls in seen
        if cls.__module__.startswith(PROJECT_PACKAGES)
        for name, f in cls.base_filters.items()
        if isinstance(f, django_filters.DateFilter | django_filters.DateTimeFilter)
    ]
    assert any(label.startswith("crm.audit.filters") for label, _f in dates)
    wrong = [
        label
        for label, f in dates
        if not isinstance(f.field.widget, NativeDateInput | NativeDateTimeInput)
    ]
    assert not wrong, wrong
