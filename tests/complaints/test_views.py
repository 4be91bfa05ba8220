"""Intake, queue, complaint page, panel, statistics and export through the views."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from complaints import services
from complaints.models import Attachment, Complaint, History
from crm.accounts import roles
from crm.audit.models import AuditEntry
from tests.factories import CustomerFactory, ProductFactory, UserFactory

from .factories import codes, make_complaint, move

pytestmark = pytest.mark.django_db


def _intake_data(**extra):
    channel, category, cause = codes()
    data = {
        "channel": channel.pk,
        "business_category": category.pk,
        "cause": cause.pk,
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "demands": "要求退还本金",
        "facts": "客户经理承诺保本",
        "complainant_contact": "13812345678",
    }
    data.update(extra)
    return data


def test_rm_logs_from_the_customer_page_with_a_document(client, rm, customer):
    client.force_login(rm)
    url = reverse("complaints:complaint-intake-customer", args=[customer.pk])
    assert client.get(url).status_code == 200
    doc = SimpleUploadedFile("录音说明.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(url, _intake_data(complainant_name="", files=doc))
    assert response.status_code == 302
    c = Complaint.objects.get()
    assert response.url == reverse("complaints:complaint-detail", args=[c.pk])
    assert (c.customer, c.complainant_name, c.intake, c.logged_by) == (
        customer,
        "张伟",
        "customer_page",
        rm,
    )
    assert c.reference.startswith("TS")
    att = Attachment.objects.get(complaint=c)
    assert att.name == "录音说明.pdf"
    download = client.get(reverse("complaints:attachment-download", args=[c.pk, att.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"


def test_intake_for_a_customer_outside_the_book_is_404(client, rm, other_rm):
    client.force_login(rm)
    theirs = CustomerFactory(owner=other_rm)
    assert (
        client.get(reverse("complaints:complaint-intake-customer", args=[theirs.pk])).status_code
        == 404
    )


def test_bad_intake_shows_messages_and_writes_nothing(client, rm, customer):
    client.force_login(rm)
    url = reverse("complaints:complaint-intake-customer", args=[customer.pk])
    response = client.post(url, _intake_data(demands="", received_at="not a date"))
    assert response.status_code == 200
    assert not Complaint.objects.exists()
    assert response.context["form"].errors


def test_duplicates_are_offered_not_forced(client, rm, customer):
    client.force_login(rm)
    first = make_complaint(rm, customer=customer)
    url = reverse("complaints:complaint-intake-customer", args=[customer.pk])
    response = client.post(url, _intake_data())
    assert response.status_code == 200
    assert [d.pk for d in response.context["duplicates"]] == [first.pk]
    assert first.reference in response.content.decode()
    assert Complaint.objects.count() == 1
    response = client.post(url, _intake_data(confirm_new="on"))
    assert response.status_code == 302
    assert Complaint.objects.count() == 2


def test_counter_intake_anonymous_and_by_customer_number(client, rm, customer):
    client.force_login(rm)
    url = reverse("complaints:complaint-intake")
    assert (
        client.post(url, _intake_data(is_anonymous="on", complainant_contact="")).status_code == 302
    )
    anon = Complaint.objects.get()
    assert anon.is_anonymous and anon.customer is None and anon.branch == rm.branch
    response = client.post(url, _intake_data(customer_number=customer.number, complainant_name=""))
    assert response.status_code == 302
    assert Complaint.objects.filter(customer=customer).exists()
    response = client.post(
        url, _intake_data(customer_number="C99999999", complainant_name="钱先生")
    )
    assert response.status_code == 200 and Complaint.objects.count() == 2


def test_regulator_intake_is_for_compliance(client, rm, officer):
    client.force_login(rm)
    assert client.get(reverse("complaints:complaint-intake-regulator")).status_code == 403
    client.force_login(officer)
    url = reverse("complaints:complaint-intake-regulator")
    response = client.post(
        url, _intake_data(complainant_name="孙女士", regulator_reference="沪银保监转〔2026〕12号")
    )
    assert response.status_code == 302
    c = Complaint.objects.get()
    assert c.regulator_forwarded and c.ack_due


def test_scope_rm_sees_book_and_own_logged_others_404(client, rm, other_rm, customer, officer):
    mine = make_complaint(rm, customer=customer)
    counter = make_complaint(rm, intake="counter", customer=None)
    theirs = make_complaint(other_rm)
    client.force_login(rm)
    for c in (mine, counter):
        assert client.get(reverse("complaints:complaint-detail", args=[c.pk])).status_code == 200
    assert client.get(reverse("complaints:complaint-detail", args=[theirs.pk])).status_code == 404
    assert (
        client.post(
            reverse("complaints:complaint-transition", args=[theirs.pk]), {"to_state": "withdrawn"}
        ).status_code
        == 404
    )
    response = client.get(reverse("complaints:complaint-queue"))
    refs = {c.reference for c in response.context["page"]}
    assert refs == {mine.reference, counter.reference}
    client.force_login(officer)
    refs = {c.reference for c in client.get(reverse("complaints:complaint-queue")).context["page"]}
    assert refs == {mine.reference, counter.reference, theirs.reference}


def test_queue_is_within_10_queries_whatever_the_page(
    client, officer, rm, django_assert_max_num_queries
):
    product = ProductFactory()
    for i in range(12):
        c = make_complaint(rm, product=product if i % 2 else None)
        if i % 3 == 0:
            move(officer, c, "in_handling")
    client.force_login(officer)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("complaints:complaint-queue"))
    assert len(response.context["page"]) == 12
    html = response.content.decode()
    assert "银行理财" in html and "营销方式和手段" in html  # code labels (category, cause)
    with django_assert_max_num_queries(10):
        client.get(reverse("complaints:complaint-queue"), {"status": "all", "product": product.pk})
    # The filter fragment (select lists for six filters and the bulk handler) is loaded apart:
    # one UNION for the code tables, branches and products, one query for the handlers.
    with django_assert_max_num_queries(9):
        fragment = client.get(
            reverse("complaints:complaint-queue-filters"), {"product": product.pk}
        )
    html = fragment.content.decode()
    assert f'<option value="{product.pk}" selected>{product}</option>' in html
    assert str(officer) in html and 'id="id_assign-handler"' in html
    assert "银行理财" in html and "营销方式和手段" in html
    client.force_login(rm)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("complaints:complaint-queue"))
    assert len(response.context["page"]) == 12


def test_queue_filters(client, officer, rm, customer):
    product = ProductFactory()
    a = make_complaint(rm, customer=customer, product=product)
    b = move(officer, make_complaint(rm, customer=customer), "in_handling")
    old = make_complaint(
        rm, customer=customer, received_at=timezone.now() - datetime.timedelta(days=40)
    )
    client.force_login(officer)

    def refs(**params):
        return {
            c.reference
            for c in client.get(reverse("complaints:complaint-queue"), params).context["page"]
        }

    assert refs(product=product.pk) == {a.reference}
    assert refs(status="in_handling") == {b.reference}
    assert refs(handler=officer.pk) == {b.reference}
    assert refs(breached="on") == {old.reference}
    assert refs(due_within=20) == {a.reference, b.reference, old.reference}
    assert refs(due_within=0) == {old.reference}
    assert refs(q=a.reference) == {a.reference}
    assert refs(unassigned="on") == {a.reference, old.reference}
    assert refs(cause=a.cause_id, status="all") == {a.reference, b.reference, old.reference}


def test_queue_keyset_pagination(client, officer, rm, settings):
    settings.FIDUCIA = {**settings.FIDUCIA, "LIST_PAGE_SIZE": 5}
    made = {make_complaint(rm).reference for _ in range(7)}
    client.force_login(officer)
    first = client.get(reverse("complaints:complaint-queue")).context["page"]
    assert len(first) == 5 and first.has_next
    second = client.get(
        reverse("complaints:complaint-queue"), {"after": first.next_cursor}, HTTP_HX_REQUEST="true"
    )
    page2 = second.context["page"]
    assert {c.reference for c in first} | {c.reference for c in page2} == made
    assert not page2.has_next


def test_complaint_page_shows_only_allowed_actions(
    client, officer, rm, customer, django_assert_max_num_queries
):
    c = make_complaint(rm, customer=customer)
    client.force_login(officer)
    # Compliance also gets the SLA profile choice (one query for the few profiles), and the
    # page is noted in the user's recently viewed list (one upsert).
    with django_assert_max_num_queries(12):
        response = client.get(reverse("complaints:complaint-detail", args=[c.pk]))
    html = response.content.decode()
    assert 'id="action-accepted"' in html and 'id="action-not_accepted"' in html
    assert 'id="action-decision_issued"' not in html
    client.force_login(rm)
    html = client.get(reverse("complaints:complaint-detail", args=[c.pk])).content.decode()
    assert 'id="action-withdrawn"' in html and 'id="action-accepted"' not in html
    assert 'id="extension-form"' not in html
    auditor = UserFactory(role=roles.AUDITOR)
    client.force_login(auditor)
    html = client.get(reverse("complaints:complaint-detail", args=[c.pk])).content.decode()
    assert 'id="no-actions"' in html


def test_complaint_page_with_every_kind_of_record_stays_within_12_queries(
    client, officer, second_officer, rm, customer, django_assert_max_num_queries
):
    """Timeline, notices, pauses and documents come from one query, the pending extension
    with the complaint: a long case file costs no more than a new one."""
    c = move(officer, make_complaint(rm, customer=customer), "in_handling")
    services.complaint_attach(rm, c.pk, SimpleUploadedFile("合同.pdf", b"%PDF-1.4"))
    services.complaint_pause_clock(officer, c.pk, reason="appraisal", note="司法鉴定")
    services.complaint_resume_clock(officer, c.pk, note="鉴定完成")
    services.complaints_assign(officer, [c.pk], second_officer, note="交接")
    services.complaint_request_extension(officer, c.pk, reason="案情复杂", notice_via="post")
    client.force_login(officer)
    # Session, user, permissions, groups, the session's save (3 in a test transaction), then
    # the complaint, its case file, the handler list of the assign form and the SLA profiles
    # of the profile form, and the recently-viewed upsert (crm.core.recent).
    with django_assert_max_num_queries(12):
        response = client.get(reverse("complaints:complaint-detail", args=[c.pk]))
    ctx = response.context
    assert [h.event for h in ctx["timeline"]] == [
        h.event for h in History.objects.filter(complaint=c).order_by("at", "pk")
    ]
    assert [str(h.actor) for h in ctx["timeline"]][-1] == str(officer)
    assert [(n.kind, n.sent_on) for n in ctx["notices"]] == [("acceptance", timezone.localdate())]
    assert [(p.reason, p.end_mode) for p in ctx["pauses"]] == [("appraisal", "resume")]
    assert [(a.name, str(a.uploaded_by)) for a in ctx["attachments"]] == [("合同.pdf", str(rm))]
    html = response.content.decode()
    assert 'id="pending-extension"' in html and "司法鉴定" in html and "合同.pdf" in html
    assert "银行理财" in html and "营销方式和手段" in html  # code labels (category, cause)
    assert customer.branch.name in html
    assert reverse("complaints:notice-print", args=[c.pk, ctx["notices"][0].pk]) in html
    assert 'id="extension-form"' not in html  # one request is already waiting
    # The RM's scope costs one look-up (co-served customers), tested on this complaint only;
    # plus the recently-viewed upsert.
    client.force_login(rm)
    with django_assert_max_num_queries(11):
        assert client.get(reverse("complaints:complaint-detail", args=[c.pk])).status_code == 200


def test_transition_view_stale_page_gets_a_clear_message(
    client, officer, second_officer, rm, customer
):
    c = make_complaint(rm, customer=customer)
    services.complaint_transition(second_officer, c.pk, "accepted", notice_via="sms")
    client.force_login(officer)
    response = client.post(
        reverse("complaints:complaint-transition", args=[c.pk]),
        {
            "to_state": "not_accepted",
            "expected_state": "received",
            "reason": "x",
            "notice_via": "sms",
        },
        follow=True,
    )
    text = " ".join(str(m) for m in response.context["messages"])
    assert c.reference in text
    c.refresh_from_db()
    assert c.state == "accepted"


def test_transition_view_missing_field_changes_nothing(client, officer, rm, customer):
    c = make_complaint(rm, customer=customer)
    client.force_login(officer)
    response = client.post(
        reverse("complaints:complaint-transition", args=[c.pk]),
        {"to_state": "not_accepted", "expected_state": "received", "notice_via": "sms"},
        follow=True,
    )
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    c.refresh_from_db()
    assert c.state == "received"


def test_notice_print_page(client, officer, rm, customer):
    c = move(officer, make_complaint(rm, customer=customer), "accepted")
    notice = c.notices.get()
    client.force_login(rm)
    response = client.get(reverse("complaints:notice-print", args=[c.pk, notice.pk]))
    assert response.status_code == 200
    assert c.reference in response.content.decode()


def test_customer_panel_lists_status_and_deadline(client, rm, customer, other_rm):
    c = make_complaint(rm, customer=customer)
    client.force_login(rm)
    html = client.get(reverse("complaints:customer-panel", args=[customer.pk])).content.decode()
    assert c.reference in html and c.due_on.strftime("%Y-%m-%d") in html
    assert reverse("complaints:complaint-intake-customer", args=[customer.pk]) in html
    detail = client.get(reverse("customers:customer-detail", args=[customer.pk])).content.decode()
    assert reverse("complaints:customer-panel", args=[customer.pk]) in detail
    client.force_login(other_rm)
    assert client.get(reverse("complaints:customer-panel", args=[customer.pk])).status_code == 404


def _stats_fixture(rm, officer):
    other = CustomerFactory(owner=rm)
    product = ProductFactory(name="稳健1号")
    closed = move(officer, make_complaint(rm, product=product, customer=other), "closed")
    move(officer, make_complaint(rm), "in_handling")
    late = make_complaint(rm, received_at=timezone.now() - datetime.timedelta(days=40))
    services.complaints_sweep_deadlines()
    return closed, late, product


def test_statistics_page_within_10_queries(client, officer, rm, django_assert_max_num_queries):
    _stats_fixture(rm, officer)
    client.force_login(officer)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("complaints:statistics-detail"))
    data = response.context["data"]
    assert data["summary"]["n"] == 3
    assert data["summary"]["breaches"] == 1
    assert round(data["summary"]["breach_rate"], 1) == 33.3
    assert data["summary"]["avg_sat"] == 4
    assert sum(r["n"] for r in data["groups"]["product"]) == 3
    months = {timezone.localdate(c.received_at).strftime("%Y-%m") for c in Complaint.objects.all()}
    assert {g["code"] for g in data["groups"]["month"]} == months
    assert sum(g["n"] for g in data["groups"]["month"]) == 3
    assert "chart-months" in response.content.decode()


def test_statistics_need_permission(client, rm):
    client.force_login(rm)
    assert client.get(reverse("complaints:statistics-detail")).status_code == 403
    assert client.get(reverse("complaints:statistics-export")).status_code == 403


def test_export_content_in_regulator_layout(client, officer, rm):
    closed, late, product = _stats_fixture(rm, officer)
    client.force_login(officer)
    response = client.get(reverse("complaints:statistics-export"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "汇总 Summary"
    assert "明细 Register" in book.sheetnames and "按投诉原因 By cause" in book.sheetnames
    summary = {
        row[0]: row[1]
        for row in book["汇总 Summary"].iter_rows(min_row=5, values_only=True)
        if row[0]
    }
    values = list(summary.values())
    assert 3 in values and 1 in values  # received, breaches
    register = list(book["明细 Register"].iter_rows(values_only=True))
    assert len(register) == 4
    refs = {r[0] for r in register[1:]}
    assert refs == set(Complaint.objects.values_list("reference", flat=True))
    row = next(r for r in register if r[0] == closed.reference)
    assert row[7] == product.name and row[15] == 4
    assert row[2][0] == closed.complainant_name[0] and "*" in row[2]  # complainant masked
    assert row[2] != closed.complainant_name
    products = list(book["按产品 By product"].iter_rows(values_only=True))
    assert any(r[1] == product.name and r[2] == 1 for r in products)
    assert AuditEntry.objects.filter(action="complaint.statistics_exported", actor=officer).exists()


def test_bad_statistics_period_is_a_message_not_a_500(client, officer):
    client.force_login(officer)
    response = client.get(
        reverse("complaints:statistics-detail"), {"start": "2026-05-01", "end": "2026-01-01"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors


def test_fast_select_escapes_and_marks_the_chosen_option():
    from complaints.forms import FastSelect

    html = FastSelect(choices=[("", "---"), (1, "<b>王</b>"), (2, "李")]).render(
        "handler", 1, {"id": "h", "class": "form-select"}
    )
    assert html.startswith('<select class="form-select" id="h" name="handler">')
    assert '<option value="1" selected>&lt;b&gt;王&lt;/b&gt;</option>' in html
    assert '<option value="2">李</option>' in html and "<b>" not in html
