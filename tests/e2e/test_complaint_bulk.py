"""Compliance selects two received complaints on the queue, assigns them to a colleague from the
shared action bar (its handler list filled in by the filter fragment), then accepts both; a
batch holding an accepted complaint is refused whole, with the complaint named."""

import pytest

from complaints.models import Complaint, History
from crm.accounts import roles
from crm.audit.models import AuditEntry
from tests.complaints.factories import ensure_reference_data, make_complaint
from tests.conftest import screenshot
from tests.factories import TeamFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_officer_assigns_and_accepts_two_complaints_at_once(page, login):
    ensure_reference_data()
    team = TeamFactory()
    rm = UserFactory(role=roles.RELATIONSHIP_MANAGER, team=team, branch=team.branch)
    officer = UserFactory(role=roles.COMPLIANCE_OFFICER, display_name="合规甲")
    colleague = UserFactory(role=roles.COMPLIANCE_OFFICER, display_name="合规乙")
    a, b, left = make_complaint(rm), make_complaint(rm), make_complaint(rm)

    login(officer)
    page.goto(f"{page.base_url}/complaints/?status=all")
    # The handler list arrives with the filters (out-of-band swap into the bar).
    page.wait_for_selector(f'#id_assign-handler option[value="{colleague.pk}"]', state="attached")
    for c in (a, b):
        page.check(f'input[name=ids][value="{c.pk}"]')
    page.select_option("#id_assign-handler", str(colleague.pk))
    page.fill("#id_assign-note", "专人跟进")
    screenshot(page, "complaint-bulk-selected")
    with page.expect_navigation():
        page.click("#bulk-assign-run")
    page.wait_for_selector(".alert-success")
    assert "2" in page.locator(".alert-success").inner_text()
    handlers = dict(Complaint.objects.values_list("pk", "handler_id"))
    assert handlers == {a.pk: colleague.pk, b.pk: colleague.pk, left.pk: None}

    for c in (a, b):
        page.check(f'input[name=ids][value="{c.pk}"]')
    page.select_option("#id_accept-notice_via", "sms")
    with page.expect_navigation():
        page.click("#bulk-accept-run")
    page.wait_for_selector(".alert-success")
    states = dict(Complaint.objects.values_list("pk", "state"))
    assert states == {a.pk: "accepted", b.pk: "accepted", left.pk: "received"}
    assert AuditEntry.objects.filter(action="complaint.accepted").count() == 2

    # A batch with an accepted complaint in it: nothing changes, the message names it.
    for c in (a, left):
        page.check(f'input[name=ids][value="{c.pk}"]')
    page.select_option("#id_accept-notice_via", "sms")
    with page.expect_navigation():
        page.click("#bulk-accept-run")
    page.wait_for_selector(".alert-danger")
    assert a.reference in page.locator(".alert-danger").inner_text()
    screenshot(page, "complaint-bulk-refused")
    assert Complaint.objects.get(pk=left.pk).state == "received"
    assert History.objects.filter(complaint=left, event="transition").count() == 0
