"""Bulk accept and assign on the complaint queue: one service call each, all or nothing (the
rule of crm.core.bulk), a history row and an audit row per complaint, through the shared bar."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from complaints import services
from complaints.models import Complaint, History, Notice
from crm.audit.models import AuditEntry

from .factories import make_complaint, move

pytestmark = pytest.mark.django_db

QUEUE = "complaints:complaint-queue"


def _run(client, action, ids, **fields):
    data = {"list": QUEUE, "action": action, "ids": ids, "next": reverse(QUEUE)}
    data.update({f"{action}-{k}": v for k, v in fields.items()})
    response = client.post(reverse("ui:bulk-run"), data, follow=True)
    assert response.redirect_chain == [(reverse(QUEUE), 302)]
    return [str(m) for m in response.context["messages"]]


def test_bulk_accept_writes_a_notice_history_and_audit_row_per_complaint(client, officer, rm):
    a, b = make_complaint(rm), make_complaint(rm)
    client.force_login(officer)
    msgs = _run(client, "accept", [a.pk, b.pk], notice_via="sms", note="批量受理")
    assert msgs == ["已受理 2 件投诉。"]
    assert set(Complaint.objects.values_list("state", flat=True)) == {"accepted"}
    for c in (a, b):
        h = History.objects.get(complaint=c, event="transition")
        assert (h.from_state, h.to_state, h.note) == ("received", "accepted", "批量受理")
        assert Notice.objects.filter(complaint=c, kind="acceptance", via="sms").count() == 1
        entry = AuditEntry.objects.get(action="complaint.accepted", target_id=str(c.pk))
        assert entry.before["state"] == "received" and entry.after["state"] == "accepted"


def test_one_complaint_that_cannot_be_accepted_refuses_the_batch(client, officer, rm):
    fresh = make_complaint(rm)
    done = move(officer, make_complaint(rm), "accepted")
    client.force_login(officer)
    audit_before = AuditEntry.objects.count()
    (msg,) = _run(client, "accept", [fresh.pk, done.pk], notice_via="sms")
    assert "所选 2 行中有 1 行无法执行此操作，未做任何更改" in msg and "当前为“已受理”" in msg
    assert done.reference in msg and fresh.reference not in msg
    fresh.refresh_from_db()
    assert fresh.state == "received" and fresh.accepted_at is None
    assert not Notice.objects.filter(complaint=fresh).exists()
    assert not History.objects.filter(complaint=fresh, event="transition").exists()
    assert AuditEntry.objects.count() == audit_before


def test_one_closed_complaint_refuses_the_bulk_assignment(officer, second_officer, rm):
    open_one = make_complaint(rm)
    closed = move(officer, make_complaint(rm), "withdrawn")
    with pytest.raises(ValidationError) as refused:
        services.complaints_assign(officer, [open_one.pk, closed.pk], second_officer)
    assert closed.reference in str(refused.value)
    assert not Complaint.objects.filter(handler=second_officer).exists()
    assert not History.objects.filter(event="assign").exists()


def test_bulk_assign_writes_history_and_audit_per_complaint(client, officer, second_officer, rm):
    a, b = make_complaint(rm), make_complaint(rm)
    client.force_login(officer)
    msgs = _run(client, "assign", [a.pk, b.pk], handler=second_officer.pk, note="轮岗")
    assert msgs == ["已分配 2 件投诉。"]
    assert set(Complaint.objects.values_list("handler", flat=True)) == {second_officer.pk}
    for c in (a, b):
        h = History.objects.get(complaint=c, event="assign")
        assert h.data == {"from": None, "to": second_officer.pk} and h.note == "轮岗"
        entry = AuditEntry.objects.get(action="complaint.assigned", target_id=str(c.pk))
        assert entry.after == {"handler": second_officer.pk}
    # Again to the same handler: nothing changes, nothing is written.
    assert services.complaints_assign(officer, [a.pk, b.pk], second_officer) == 0
    assert History.objects.filter(event="assign").count() == 2


def _scoped_officer(rm_user):
    """An RM given the queue's bulk permissions: their scope stays their own book."""
    for codename in ("accept_complaint", "assign_complaint"):
        rm_user.user_permissions.add(Permission.objects.get(codename=codename))
    rm_user.refresh_from_db()
    return rm_user


@pytest.mark.parametrize("action", ["accept", "assign"])
def test_an_id_outside_the_scope_refuses_the_whole_batch(action, rm, other_rm, officer):
    user = _scoped_officer(rm)
    mine, theirs = make_complaint(rm), make_complaint(other_rm)
    ids = [mine.pk, theirs.pk]
    with pytest.raises(ValidationError) as refused:
        if action == "accept":
            services.complaints_accept(user, ids, notice_via="sms")
        else:
            services.complaints_assign(user, ids, officer)
    text = str(refused.value)
    assert "所选行中有 1 行您无权操作" in text
    assert theirs.reference not in text  # out-of-scope rows are counted, never named
    assert set(Complaint.objects.values_list("state", flat=True)) == {"received"}
    assert not Complaint.objects.filter(handler__isnull=False).exists()
    # Within the scope the same user's batch goes through.
    if action == "accept":
        assert services.complaints_accept(user, [mine.pk], notice_via="sms") == 1
    else:
        assert services.complaints_assign(user, [mine.pk], officer) == 1


def test_crafted_and_missing_ids_refuse_the_batch(client, officer, rm):
    c = make_complaint(rm)
    client.force_login(officer)
    for action, fields in (("accept", {"notice_via": "sms"}), ("assign", {"handler": officer.pk})):
        (msg,) = _run(client, action, [c.pk, str(2**70), "abc", 10**9], **fields)
        assert "所选行中有 3 行您无权操作" in msg
    c.refresh_from_db()
    assert (c.state, c.handler_id) == ("received", None)


@pytest.mark.parametrize("role", ["rm", "head", "auditor", "admin"])
def test_only_compliance_takes_the_queue_bulk_actions(request, client, role, rm, officer):
    user = request.getfixturevalue(role)
    c = make_complaint(rm)
    for call in (
        lambda: services.complaints_accept(user, [c.pk], notice_via="sms"),
        lambda: services.complaints_assign(user, [c.pk], officer),
    ):
        with pytest.raises(PermissionDenied):
            call()
    client.force_login(user)
    for action in ("accept", "assign"):
        response = client.post(
            reverse("ui:bulk-run"),
            {"list": QUEUE, "action": action, "ids": [c.pk], "accept-notice_via": "sms"},
        )
        assert response.status_code in (403, 404)
    c.refresh_from_db()
    assert (c.state, c.handler_id) == ("received", None)
    if role in ("rm", "head", "auditor"):
        page = client.get(reverse(QUEUE)).content.decode()
        assert 'id="bulk-form"' not in page and 'name="ids"' not in page


def test_the_bar_shows_both_actions_to_compliance_and_the_handlers_come_with_the_filters(
    client, officer, rm
):
    make_complaint(rm)
    client.force_login(officer)
    page = client.get(reverse(QUEUE)).content.decode()
    assert 'id="bulk-accept-run"' in page and 'id="bulk-assign-run"' in page
    assert 'name="ids"' in page and 'form="bulk-form"' in page
    # The page's handler list is an empty slot; the filter fragment replaces it in place.
    fragment = client.get(reverse("complaints:complaint-queue-filters")).content.decode()
    assert 'id="id_assign-handler"' in fragment and 'hx-swap-oob="true"' in fragment
    assert 'name="assign-handler"' in fragment and str(officer) in fragment


def test_a_bad_notice_channel_or_handler_changes_nothing(client, officer, rm):
    c = make_complaint(rm)
    client.force_login(officer)
    assert _run(client, "accept", [c.pk], notice_via="pigeon")
    assert _run(client, "assign", [c.pk], handler=10**9)
    c.refresh_from_db()
    assert (c.state, c.handler_id) == ("received", None)
    assert (
        not AuditEntry.objects.filter(action__startswith="complaint.")
        .exclude(action="complaint.logged")
        .exists()
    )


def test_the_bar_leaves_the_queue_query_count_unchanged(
    client, officer, rm, django_assert_num_queries
):
    """3 queries for compliance, 5 for an RM (their book's ids first), as before the queue's bar
    moved onto crm.ui.bulk: the bar's forms and handler slot read nothing."""
    for i in range(12):
        c = make_complaint(rm)
        if i % 3 == 0:
            move(officer, c, "in_handling")
    for user, queries in ((officer, 3), (rm, 5)):
        client.force_login(user)
        client.get(reverse(QUEUE))  # the session and access facts, cached after the first page
        with django_assert_num_queries(queries):
            response = client.get(reverse(QUEUE), {"status": "all"})
        assert len(response.context["page"]) == 12
        assert (response.context["bulk"] is not None) == (user == officer)
