"""An RM logs a complaint from a customer page; compliance accepts it, asks for an extension that
a second officer approves, and issues a decision; the RM sees status and deadline on the page."""

import pytest
from django.utils import translation

from complaints.models import Complaint, State
from crm.accounts import roles
from tests.complaints.factories import ensure_reference_data
from tests.conftest import CHROMIUM_ARGS, screenshot  # noqa: F401
from tests.factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _session(browser, base_url, user):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.goto(f"{base_url}/accounts/login/")
    pg.fill("input[name=username]", user.username)
    pg.fill("input[name=password]", "pw-Fiducia-2026")
    pg.click("#login-submit")
    pg.wait_for_url(f"{base_url}/")
    return context, pg


def test_complaint_from_customer_page_to_decision(browser, live_server):
    ensure_reference_data()
    team = TeamFactory()
    rm = UserFactory(role=roles.RELATIONSHIP_MANAGER, team=team, branch=team.branch)
    officer = UserFactory(role=roles.COMPLIANCE_OFFICER)
    approver = UserFactory(role=roles.COMPLIANCE_OFFICER)
    customer = CustomerFactory(owner=rm, name="张伟")
    base = live_server.url

    # 1. The RM logs the complaint from the customer 360 page.
    ctx, pg = _session(browser, base, rm)
    pg.goto(f"{base}/customers/{customer.pk}/")
    pg.click("#log-complaint")  # inside the htmx-loaded complaints panel
    pg.select_option("#id_channel", index=2)
    pg.select_option("#id_business_category", index=7)
    pg.select_option("#id_cause", index=5)
    pg.fill("#id_demands", "要求退还理财产品本金")
    pg.fill("#id_facts", "客户称购买时客户经理承诺保本，到期亏损。")
    screenshot(pg, "complaint-intake-zh")
    pg.click("#intake-submit")
    pg.wait_for_selector("#complaint-title")
    complaint = Complaint.objects.get(customer=customer)
    assert complaint.logged_by == rm and complaint.state == "received"
    assert complaint.reference in pg.locator("#complaint-title").inner_text()
    ctx.close()

    # 2. Compliance accepts it and asks for an extension.
    ctx, pg = _session(browser, base, officer)
    pg.goto(f"{base}/complaints/{complaint.pk}/")
    pg.click("#action-accepted")
    pg.wait_for_selector("#extension-form")
    pg.fill("#extension-form input[name=reason]", "案情复杂，需调取双录资料")
    pg.click("#action-extension")
    pg.wait_for_selector("#pending-extension")
    ctx.close()

    # 3. A second officer approves the extension in the approvals queue.
    ctx, pg = _session(browser, base, approver)
    pg.goto(f"{base}/platform/approvals/")
    pg.click("#approvals-pending button[value=approve]")
    pg.wait_for_selector(".alert-success")
    ctx.close()
    complaint.refresh_from_db()
    assert complaint.extension_level == 1
    assert (complaint.decision_due - complaint.received_on).days >= 30

    # 4. Compliance starts handling and issues the decision with remedies.
    ctx, pg = _session(browser, base, officer)
    pg.goto(f"{base}/complaints/{complaint.pk}/")
    assert complaint.decision_due.strftime("%Y-%m-%d") in pg.locator("#decision-due").inner_text()
    pg.click("#action-in_handling")
    pg.wait_for_selector("form[data-action=decision_issued]")
    pg.fill(
        "form[data-action=decision_issued] textarea[name=decision]",
        "经核实，同意退还认购费并致歉。",
    )
    pg.click("#action-decision_issued")
    pg.wait_for_selector("#complaint-decision")
    screenshot(pg, "complaint-decided-zh")
    ctx.close()
    complaint.refresh_from_db()
    assert complaint.state == "decision_issued"
    assert complaint.remedies == ["review", "mediation", "arbitration", "litigation"]

    # 5. The RM sees the status and the deadline on the customer page.
    ctx, pg = _session(browser, base, rm)
    pg.goto(f"{base}/customers/{customer.pk}/")
    row = pg.locator(f"#customer-complaints tr[data-complaint='{complaint.reference}']")
    row.wait_for()
    with translation.override("zh-hans"):
        label = str(State.DECISION_ISSUED.label)
    assert label in row.locator(".complaint-state").inner_text()
    assert (
        complaint.decision_due.strftime("%Y-%m-%d")
        in row.locator(".complaint-deadline").inner_text()
    )
    screenshot(pg, "complaint-customer-panel-zh")
    ctx.close()
