import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from compliance.models import AuditExport, WatchListChange, WatchListEntry
from compliance.services import watchlist
from crm.accounts import roles
from crm.audit.models import AppendOnlyError, AuditEntry
from crm.audit.services import record
from crm.core import approvals
from crm.core.models import ApprovalRequest
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

REVIEW = timezone.localdate() + datetime.timedelta(days=90)


@pytest.fixture
def pair(make_user):
    return make_user(roles.RISK_OFFICER), make_user(roles.COMPLIANCE_OFFICER)


def test_change_waits_for_second_person_then_applies(pair):
    requester, approver = pair
    customer = CustomerFactory()
    change = watchlist.watchlist_change_request(
        requester, customer, action="reduce", reason="逾期风险上升", review_on=REVIEW
    )
    assert change.status == "pending"
    assert not WatchListEntry.objects.exists()
    with pytest.raises(PermissionDenied):
        approvals.approval_decide(requester, change.approval_id, approve=True)
    assert not WatchListEntry.objects.exists()
    approvals.approval_decide(approver, change.approval_id, approve=True, note="同意")
    entry = WatchListEntry.objects.get(customer=customer)
    assert entry.action == "reduce" and entry.review_on == REVIEW
    change.refresh_from_db()
    assert change.status == "applied" and change.decided_by == approver
    audit = AuditEntry.objects.get(action="watchlist.changed")
    assert audit.actor == approver and audit.before is None and audit.after["action"] == "reduce"


def test_history_of_changes_and_removal(pair):
    requester, approver = pair
    customer = CustomerFactory()
    for action in ["maintain", "exit", ""]:
        change = watchlist.watchlist_change_request(
            requester, customer, action=action, reason="复核", review_on=REVIEW if action else None
        )
        approvals.approval_decide(approver, change.approval_id, approve=True)
    assert not WatchListEntry.objects.filter(customer=customer).exists()
    history = list(
        WatchListChange.objects.filter(customer=customer)
        .order_by("pk")
        .values_list("action_before", "action_after")
    )
    assert history == [("", "maintain"), ("maintain", "exit"), ("exit", "")]


def test_rejection_changes_nothing(pair):
    requester, approver = pair
    customer = CustomerFactory()
    change = watchlist.watchlist_change_request(
        requester, customer, action="exit", reason="x", review_on=REVIEW
    )
    with pytest.raises(ValidationError):
        approvals.approval_decide(approver, change.approval_id, approve=False)  # needs a note
    approvals.approval_decide(approver, change.approval_id, approve=False, note="证据不足")
    change.refresh_from_db()
    assert change.status == "rejected" and not WatchListEntry.objects.exists()


def test_bad_requests_are_refused(pair, rm_user):
    requester, _approver = pair
    customer = CustomerFactory()
    with pytest.raises(ValidationError):
        watchlist.watchlist_change_request(
            requester, customer, action="exit", reason="x", review_on=timezone.localdate()
        )
    with pytest.raises(ValidationError):
        watchlist.watchlist_change_request(requester, customer, action="", reason="x")
    with pytest.raises(ValidationError):
        watchlist.watchlist_change_request(
            requester, customer, action="reduce", reason=" ", review_on=REVIEW
        )
    watchlist.watchlist_change_request(
        requester, customer, action="reduce", reason="x", review_on=REVIEW
    )
    with pytest.raises(ValidationError):
        watchlist.watchlist_change_request(
            requester, customer, action="exit", reason="y", review_on=REVIEW
        )
    with pytest.raises(PermissionDenied):
        watchlist.watchlist_change_request(
            rm_user, CustomerFactory(owner=rm_user), action="exit", reason="y", review_on=REVIEW
        )
    assert WatchListChange.objects.count() == 1


def test_watchlist_kinds_show_in_the_approvals_queue(client, pair):
    requester, approver = pair
    watchlist.watchlist_change_request(
        requester, CustomerFactory(), action="support", reason="重点支持", review_on=REVIEW
    )
    client.force_login(approver)
    page = client.get(reverse("core:approval-list")).content.decode()
    assert "名单" in page or "Watch-list change" in page
    req = ApprovalRequest.objects.get()
    client.post(reverse("core:approval-decide", args=[req.pk]), {"decision": "approve"})
    assert WatchListEntry.objects.get().action == "support"


def test_watchlist_page_form(client, pair):
    requester, _approver = pair
    customer = CustomerFactory()
    client.force_login(requester)
    response = client.post(
        reverse("compliance:watch-list"),
        {
            "customer": customer.number,
            "action": "reduce",
            "review_on": REVIEW.isoformat(),
            "reason": "压降",
        },
    )
    assert response.status_code == 302
    assert WatchListChange.objects.get().action_after == "reduce"
    assert "压降" in client.get(reverse("compliance:watch-list")).content.decode()


# ---- audit review ------------------------------------------------------------------------------


@pytest.fixture
def entries(make_user):
    alice = make_user(roles.RELATIONSHIP_MANAGER, username="alice")
    bob = make_user(roles.COMPLIANCE_OFFICER, username="bob")
    customer = CustomerFactory()
    record(alice, "customer.pii_revealed", customer, purpose="核对身份")
    record(alice, "customer.exported", None, after={"rows": 3})
    record(bob, "user.permissions_changed", alice)
    record(bob, "customer.reassigned", customer)
    record(bob, "warning.escalated", None)
    return alice, bob, customer


@pytest.mark.parametrize(
    ("params", "actions"),
    [
        ({"category": "reveal"}, {"customer.pii_revealed"}),
        ({"category": "export"}, {"customer.exported"}),
        ({"category": "permission"}, {"user.permissions_changed"}),
        ({"category": "reassign"}, {"customer.reassigned"}),
        ({"category": "transition"}, {"warning.escalated"}),
        ({"actor": "alice"}, {"customer.pii_revealed", "customer.exported"}),
        (
            {"action": "customer."},
            {"customer.pii_revealed", "customer.exported", "customer.reassigned"},
        ),
    ],
)
def test_audit_filters(client, entries, params, actions, django_assert_max_num_queries):
    _alice, bob, _customer = entries
    client.force_login(bob)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("compliance:audit-review"), params)
    shown = {e.action for e in response.context["page"]}
    assert shown == actions


def test_audit_filter_by_target_and_date(client, entries):
    _alice, bob, customer = entries
    client.force_login(bob)
    response = client.get(
        reverse("compliance:audit-review"),
        {"target_type": "customers.customer", "target_id": customer.pk},
    )
    assert {e.action for e in response.context["page"]} == {
        "customer.pii_revealed",
        "customer.reassigned",
    }
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.get(reverse("compliance:audit-review"), {"since": tomorrow})
    assert list(response.context["page"]) == []


def test_rm_cannot_review_the_audit_log(client, rm_user):
    client.force_login(rm_user)
    assert client.get(reverse("compliance:audit-review")).status_code == 403


def test_audit_rows_cannot_be_changed_through_the_orm(entries):
    entry = AuditEntry.objects.first()
    entry.purpose = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(purpose="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_audit_rows_cannot_be_changed_in_the_database(entries):
    entry = AuditEntry.objects.first()
    table = AuditEntry._meta.db_table
    for sql in (
        f"UPDATE {table} SET purpose = 'x' WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.purpose != "x"


def test_audit_trigger_on_postgresql(postgres_only, entries):
    entry = AuditEntry.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"UPDATE {AuditEntry._meta.db_table} SET action = 'x' WHERE id = %s", [entry.pk]
        )
    assert AuditEntry.objects.filter(pk=entry.pk, action="x").count() == 0


def test_audit_export_needs_four_eyes_and_downloads_once(client, entries, make_user):
    _alice, bob, _customer = entries
    carol = make_user(roles.COMPLIANCE_OFFICER)
    client.force_login(bob)
    client.post(
        reverse("compliance:audit-export-request"), {"f_actor": "alice", "reason": "季度检查"}
    )
    export = AuditExport.objects.get()
    assert export.filters == {"actor": "alice"}
    url = reverse("compliance:audit-export-download", args=[export.pk])
    assert client.post(url).status_code == 302  # not approved: message, no file
    with pytest.raises(PermissionDenied):
        approvals.approval_decide(bob, export.approval_id, approve=True)
    approvals.approval_decide(carol, export.approval_id, approve=True)
    response = client.post(url)
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert {r[2] for r in rows[1:]} == {"customer.pii_revealed", "customer.exported"}
    assert AuditEntry.objects.filter(action="audit_export.downloaded", actor=bob).count() == 1
    second = client.post(url)
    assert second.status_code == 302
    client.force_login(carol)
    assert client.post(url).status_code == 404  # not carol's export


def test_auditor_reads_but_cannot_request_export(client, auditor_user, entries):
    client.force_login(auditor_user)
    assert client.get(reverse("compliance:audit-review")).status_code == 200
    assert (
        client.post(reverse("compliance:audit-export-request"), {"reason": "x"}).status_code == 403
    )
    assert AuditExport.objects.count() == 0


def test_request_summary_names_the_actions_in_words(pair):
    requester, _approver = pair
    customer = CustomerFactory(name="上海宏达实业集团有限公司")
    change = watchlist.watchlist_change_request(
        requester, customer, action="reduce", reason="逾期风险上升", review_on=REVIEW
    )
    summary = ApprovalRequest.objects.get(pk=change.approval_id).summary
    assert "压缩" in summary and "reduce" not in summary
