"""Titles and notifications the system writes are stored as a code and parameters and shown in
the reader's language (crm.core.texts); the stored title keeps the Chinese wording, and rows
written before codes existed are mapped by migration 0013 or keep their stored text."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from crm.core.models import Notification
from customers.contacts import reminders
from customers.contacts.models import CadenceRule
from customers.records.followups import schedule_satisfaction_call, schedule_warning_visits
from customers.records.models import FollowUpReason, FollowUpTask
from tests.factories import ContractFactory, CustomerFactory

from .factories import TaskFactory

pytestmark = pytest.mark.django_db
D = datetime.date(2026, 6, 15)  # a Monday


def sweep(day=D):
    return reminders.run_sweep(day, send=lambda user_id, d: None)


def in_(language, obj, attr="title_text"):
    with translation.override(language):
        return getattr(obj, attr)


def test_a_satisfaction_call_reads_in_each_users_language(client, rm):
    customer = CustomerFactory(owner=rm, name="张伟")
    task = schedule_satisfaction_call(customer=customer, closed_on=D, reference="TS0001")
    assert task.title == "满意度回访：TS0001"  # the stored, default-language text
    assert (task.text_code, task.text_params) == (
        "followup.satisfaction_call",
        {"reference": "TS0001"},
    )
    client.force_login(rm)
    url = reverse("customers:task-list")
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Satisfaction call: TS0001" in english and "满意度回访" not in english
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "满意度回访：TS0001" in chinese


def test_sweep_tasks_read_in_each_users_language(rm):
    tier_a = CustomerFactory(owner=rm, tier="A", birth_date=datetime.date(1970, 6, 16))
    kyc = CustomerFactory(owner=rm, risk_assessed_on=datetime.date(2025, 7, 10))
    ContractFactory(customer=kyc, title="稳健理财一号", matures_on=D + datetime.timedelta(days=7))
    sweep()
    cadence = FollowUpTask.objects.get(customer=tier_a, reason=FollowUpReason.CADENCE)
    assert cadence.title == "A 类客户季度回访"
    assert in_("en", cadence) == "Class A quarterly follow-up"
    assert in_("zh-hans", cadence) == "A 类客户季度回访"
    birthday = FollowUpTask.objects.get(customer=tier_a, reason=FollowUpReason.BIRTHDAY)
    assert birthday.title == "生日关怀（06月16日）"
    assert in_("en", birthday) == "Birthday greetings (06/16)"
    maturity = FollowUpTask.objects.get(customer=kyc, reason=FollowUpReason.MATURITY)
    assert maturity.title == "产品到期回访：稳健理财一号"
    assert in_("en", maturity) == "Product maturity call: 稳健理财一号"
    renewal = FollowUpTask.objects.get(customer=kyc, reason=FollowUpReason.KYC_RENEWAL)
    assert renewal.title.startswith("风险测评到期（") and renewal.title.endswith("请安排重新测评")
    assert in_("en", renewal).startswith("Risk assessment expires (")
    assert in_("zh-hans", renewal) == renewal.title


def test_a_warning_visit_written_in_sql_carries_its_code(rm):
    customer = CustomerFactory(owner=rm)
    assert schedule_warning_visits([{"customer_id": customer.pk, "due_on": D, "reference": "W7"}])
    task = FollowUpTask.objects.get(customer=customer)
    assert task.title == "风险预警走访：W7"
    assert (task.text_code, task.text_params) == ("followup.warning_visit", {"reference": "W7"})
    assert in_("en", task) == "Risk warning visit: W7"


def test_a_reminder_notification_reads_in_each_users_language(client, rm):
    customer = CustomerFactory(owner=rm, name="张伟")
    schedule_satisfaction_call(customer=customer, closed_on=D, reference="TS0002")
    TaskFactory(customer=customer, owner=rm, title="给张总打电话", due_on=D)
    task = FollowUpTask.objects.get(text_code="followup.satisfaction_call")
    reminders.deliver_in_app(task.due_on, datetime.datetime.now(datetime.UTC))
    note = Notification.objects.get(recipient=rm, title__contains="TS0002")
    assert note.title == "跟进提醒：满意度回访：TS0002"
    assert in_("en", note) == "Follow-up reminder: Satisfaction call: TS0002"
    assert in_("en", note, "body_text") == f"张伟 · due {task.due_on:%Y-%m-%d}"
    client.force_login(rm)
    url = reverse("core:notification-list")
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Follow-up reminder: Satisfaction call: TS0002" in english
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "跟进提醒：满意度回访：TS0002" in chinese


def test_a_manual_task_keeps_its_own_words_in_every_language(rm):
    customer = CustomerFactory(owner=rm)
    TaskFactory(customer=customer, owner=rm, title="给张总打电话", due_on=D)
    reminders.deliver_in_app(D, datetime.datetime.now(datetime.UTC))
    note = Notification.objects.get(recipient=rm)
    assert in_("en", note) == "Follow-up reminder: 给张总打电话"


def test_seeded_cadence_rule_names_read_in_each_users_language():
    rule = CadenceRule.objects.get(code="tier_a")
    assert rule.name == "A 类客户：每季度联系"
    assert in_("en", rule, "name_text") == "Class A customers: contact every quarter"
    assert in_("zh-hans", rule, "name_text") == "A 类客户：每季度联系"
    assert in_("en", rule, "task_title_text") == "Class A quarterly follow-up"
    vip = CadenceRule.objects.get(code="private_monthly")
    assert in_("en", vip, "name_text") == "Private banking: two fixed contacts a month (2+N)"


def test_an_administrator_rewording_a_rule_replaces_the_translations(admin_user):
    rule = CadenceRule.objects.get(code="tier_b")
    model_admin = site._registry[CadenceRule]
    request = RequestFactory().post("/")
    request.user = admin_user
    form_class = model_admin.get_form(request, rule)
    data = {
        f: getattr(rule, f)
        for f in ("tier", "period_months", "min_contacts", "channels", "due_in_days")
    }
    data.update(
        name="B 类客户：每半年至少一次",
        task_title=rule.task_title,
        working_days="on",
        is_active="on",
    )
    form = form_class(data, instance=rule)
    assert form.is_valid(), form.errors
    model_admin.save_model(request, form.save(commit=False), form, True)
    rule.refresh_from_db()
    assert rule.code == ""
    assert in_("en", rule, "name_text") == "B 类客户：每半年至少一次"


def test_migration_maps_old_chinese_titles_to_codes(rm):
    customer = CustomerFactory(owner=rm)
    titles = {
        "满意度回访：TS9": ("followup.satisfaction_call", {"reference": "TS9"}),
        "风险预警走访：W9": ("followup.warning_visit", {"reference": "W9"}),
        "产品到期回访：稳健一号": ("followup.maturity", {"contract": "稳健一号"}),
        "风险测评到期（2026-07-01），请安排重新测评": (
            "followup.kyc_renewal",
            {"date": "2026-07-01"},
        ),
        "证件到期（2026-07-02），请更新身份证件": ("followup.id_expiry", {"date": "2026-07-02"}),
        "生日关怀（03月05日）": ("followup.birthday", {"month": "03", "day": "05"}),
        "休眠客户激活回访": ("followup.reactivation", None),
        "活动后回访：理财沙龙": ("followup.activity", {"title": "理财沙龙"}),
        "Follow-up after activity: Salon": ("followup.activity", {"title": "Salon"}),
        "给张总打电话": ("", None),
    }
    for n, title in enumerate(titles):
        TaskFactory(
            customer=customer,
            owner=rm,
            title=title,
            reason=FollowUpReason.MANUAL,
            dedupe_key=f"old:{n}",
        )
    migration = importlib.import_module("customers.migrations.0013_generated_texts_as_codes")
    migration.forwards(apps, None)
    for task in FollowUpTask.objects.filter(customer=customer):
        assert (task.text_code, task.text_params) == titles[task.title], task.title
        if not task.title.startswith("Follow-up"):  # written in Chinese: unchanged
            assert in_("zh-hans", task) == task.title
    birthday = FollowUpTask.objects.get(customer=customer, title="生日关怀（03月05日）")
    assert in_("en", birthday) == "Birthday greetings (03/05)"
