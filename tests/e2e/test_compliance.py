"""Compliance imports a signal file with one bad row, downloads the error report and confirms
the good rows; the RM sees the red warning on My day and on the customer page and records a
disposal step."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from openpyxl import load_workbook

from compliance.models import DisposalStep, RiskWarning
from crm.accounts import roles
from tests.conftest import logout, screenshot
from tests.factories import CustomerFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _seed_rules():
    # Transactional tests flush the tables, data migrations included; put the rules back.
    module = importlib.import_module("compliance.migrations.0002_seed_rules_sources_schedule")
    module.seed(django_apps, None)


def test_signal_import_to_rm_disposal(page, login, tmp_path):
    _seed_rules()
    officer = UserFactory(role=roles.COMPLIANCE_OFFICER, username="compliance_e2e")
    rm = UserFactory(role=roles.RELATIONSHIP_MANAGER, username="rm_e2e", display_name="王芳")
    customer = CustomerFactory(owner=rm, number="E0001", name="张伟")
    CustomerFactory(owner=rm, number="E0002", name="李娜")
    today = timezone.localdate().isoformat()
    upload = tmp_path / "signals.csv"
    upload.write_text(
        "customer_number,kind,date,severity,evidence,external_id\n"
        f"E0001,overdue,{today},4,贷款本息逾期45天,CB-001\n"
        f"E0002,负面舆情,{today},2,媒体负面报道,NEWS-7\n"
        f"E9999,overdue,{today},3,不存在的客户,CB-002\n",
        encoding="utf-8",
    )

    login(officer)
    page.goto(f"{page.base_url}/compliance/signals/import/")
    screenshot(page, "compliance-import-form")
    page.set_input_files("input[type=file]", str(upload))
    page.click("#submit-id-submit")
    page.wait_for_selector("#import-counts")
    assert page.inner_text('[data-count="total"]') == "3"
    assert page.inner_text('[data-count="valid"]') == "2"
    assert page.inner_text('[data-count="errors"]') == "1"
    assert "E9999" in page.inner_text("#import-errors")
    screenshot(page, "compliance-import-preview")
    with page.expect_download() as info:
        page.click("#error-report")
    saved = tmp_path / "errors.xlsx"
    info.value.save_as(saved)
    report = load_workbook(saved).active
    rows = list(report.iter_rows(values_only=True))
    assert rows[1][:3] == (4, "customer_number", "E9999")
    page.click("#import-confirm")
    page.wait_for_selector(".alert")
    assert RiskWarning.objects.filter(customer=customer, grade="red").count() == 1
    assert RiskWarning.objects.count() == 2

    logout(page)
    login(rm)
    page.wait_for_selector("#home-warnings [data-warning]")
    home = page.inner_text("#home-warnings")
    assert "张伟" in home and "李娜" not in home  # yellow is not on My day
    screenshot(page, "compliance-my-day")

    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    page.wait_for_selector("#risk-panel-warnings")
    assert page.locator('#risk-panel-warnings [data-grade="red"]').count() == 1
    screenshot(page, "compliance-customer-panel")
    page.click("#risk-panel-warnings a")
    page.wait_for_selector("#step-form")
    page.select_option("#step-form select[name=kind]", "verify")
    page.fill("#step-form textarea[name=outcome]", "已电话核实，客户确认资金周转困难")
    page.click("#step-save")
    page.wait_for_load_state()
    screenshot(page, "compliance-after-step")
    page.wait_for_selector("#steps-table [data-step]")
    assert "已电话核实" in page.inner_text("#steps-table")
    step = DisposalStep.objects.get()
    assert step.owner == rm and step.done_at is not None
    assert RiskWarning.objects.get(customer=customer).status == "verified"
    screenshot(page, "compliance-warning-verified")
