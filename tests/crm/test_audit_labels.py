"""The audit log reads as words (issue 20 item 7): each app registers labels for its audit
actions, target types show their model's name, and the date filters are native date inputs."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from crm.audit.labels import action_label, registered_actions, target_type_label
from crm.audit.services import record
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

AUDIT_WRITES = re.compile(r"record(?:_many)?\(\s*[^,()]+,\s*\"([a-z_]+\.[a-z_]+)\"")


def _rows(client):
    body = client.get(reverse("audit:entry-list")).content.decode()
    return body.split('id="audit-table"', 1)[1]


def test_audit_rows_show_action_and_target_labels_in_chinese_and_english(client, compliance_user):
    customer = CustomerFactory(name="张伟")
    record(compliance_user, "customer.exported", None, after={"rows": 3})
    record(compliance_user, "customer.reassigned", customer)
    record(compliance_user, "complaint.accepted", "TS1")
    client.force_login(compliance_user)
    table = _rows(client)
    assert "客户名单导出" in table
    assert "客户改派" in table
    assert "投诉：已受理" in table
    assert '<span class="text-muted">客户</span>' in table
    assert ">customer.exported<" not in table
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    table = _rows(client)
    assert "Customer list exported" in table
    assert "Complaint: Accepted" in table
    assert '<span class="text-muted">customer</span>' in table


def test_every_literal_audit_action_in_the_code_has_a_label():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    written = set()
    for app in ("crm", "customers", "tiering", "complaints", "compliance"):
        for path in (root / app).rglob("*.py"):
            written |= set(AUDIT_WRITES.findall(path.read_text()))
    assert len(written) > 40  # the scan still finds the services' audit writes
    assert sorted(written - set(registered_actions())) == []


@pytest.mark.parametrize(
    ("code", "zh", "en"),
    [
        ("warning.escalated", "风险预警：已升级", "Risk warning: Escalated"),
        ("security.login", "登录", "Signed in"),
        ("customer_import.confirmed", "客户导入已确认", "Customer import confirmed"),
    ],
)
def test_workflow_security_and_import_actions_are_labelled(code, zh, en):
    with translation.override("zh-hans"):
        assert action_label(code) == zh
    with translation.override("en"):
        assert action_label(code) == en


def test_admin_saves_use_the_model_name_and_unknown_codes_stay_readable():
    with translation.override("en"):
        assert action_label("cadencerule.admin_changed", "customers.cadencerule") == (
            "cadence rule: changed in admin"
        )
        assert action_label("legacy.thing") == "legacy.thing"
        assert target_type_label("nosuch.model") == "nosuch.model"


def test_audit_filter_dates_are_native_date_inputs(client, compliance_user):
    client.force_login(compliance_user)
    body = client.get(reverse("audit:entry-list"), {"since": "2026-01-31"}).content.decode()
    assert re.search(r'<input type="date" name="since" value="2026-01-31"', body)
    assert re.search(r'<input type="date" name="until"', body)
