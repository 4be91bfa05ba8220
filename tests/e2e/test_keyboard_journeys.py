"""Main journeys by keyboard alone (issue 20 item 4): no mouse clicks and no `fill`, only Tab,
Shift+Tab, arrow keys, typing and Enter, and every control reached shows a visible focus ring.

- an RM logs in, skips to the content, and logs a complaint from a customer's 360 page;
  compliance accepts it;
- an RM completes an overdue follow-up task by logging the contact, and skips another one.
(The search → 360 → log contact journey is in its own test.)
"""

import datetime

import pytest
from django.utils import timezone

from complaints.models import Complaint
from crm.accounts import roles
from customers.records.models import FollowUpTask
from tests.complaints.factories import ensure_reference_data
from tests.conftest import screenshot
from tests.customers.followups.factories import TaskFactory
from tests.factories import CustomerFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-Fiducia-2026"

# What a sighted keyboard user sees on the focused control: our :focus-visible outline (Bootstrap's
# own focus glow is too faint on the dark navbar and absent on links).
FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return 'nothing focused';
  if (!el.matches(':focus-visible')) return 'focus not visible: ' + el.outerHTML.slice(0, 80);
  const s = getComputedStyle(el);
  if (s.outlineStyle === 'none' || parseFloat(s.outlineWidth) < 2)
    return 'no outline on ' + el.outerHTML.slice(0, 80);
  return '';
}"""


def focused_is(page, selector):
    return page.evaluate(
        "s => !!document.activeElement && document.activeElement.matches(s)", selector
    )


def tab_to(page, selector, *, limit=200):
    """Press Tab until `selector` has the focus (as a keyboard user would), and check the focus
    ring shows on it."""
    for _ in range(limit):
        if focused_is(page, selector):
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError(f"Tab never reached {selector}")
    assert page.evaluate(FOCUS_SHOWN) == ""


def choose(page, selector, value=None, *, limit=30):
    """With a closed <select> focused, press ArrowDown until it shows `value` (or any value)."""
    tab_to(page, selector)
    for _ in range(limit):
        current = page.eval_on_selector(selector, "el => el.value")
        if (value is None and current) or current == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{selector} never showed {value!r}")


def keyboard_login(browser, base_url, user):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base_url}/accounts/login/")
    tab_to(page, "input[name=username]")
    page.keyboard.type(user.username)
    tab_to(page, "input[name=password]")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/")
    return context, page


def close(context, page):
    page.wait_for_load_state("networkidle")
    context.close()


def test_complaint_intake_and_acceptance_by_keyboard_alone(browser, live_server):
    ensure_reference_data()
    rm = UserFactory(role=roles.RELATIONSHIP_MANAGER)
    officer = UserFactory(role=roles.COMPLIANCE_OFFICER)
    customer = CustomerFactory(owner=rm, name="周建华")
    base = live_server.url

    context, page = keyboard_login(browser, base, rm)
    page.goto(f"{base}/customers/{customer.pk}/")
    page.wait_for_selector("#log-complaint")  # in the complaints panel htmx loads
    # The first Tab offers the skip link; Enter moves past the navigation into the page.
    page.keyboard.press("Tab")
    assert focused_is(page, "#skip-link")
    assert page.locator("#skip-link").is_visible()
    page.keyboard.press("Enter")
    assert focused_is(page, "main")
    tab_to(page, "#log-complaint")
    page.keyboard.press("Enter")
    page.wait_for_selector("#intake-form")
    choose(page, "#id_channel")
    choose(page, "#id_business_category")
    choose(page, "#id_cause")
    tab_to(page, "#id_demands")
    page.keyboard.type("要求退还手续费")
    tab_to(page, "#id_facts")
    page.keyboard.type("客户称赎回时未被告知手续费标准。")
    screenshot(page, "keyboard-complaint-intake")
    tab_to(page, "#intake-submit")
    page.keyboard.press("Enter")
    page.wait_for_selector("#complaint-title")
    complaint = Complaint.objects.get(customer=customer)
    assert complaint.logged_by == rm and complaint.demands == "要求退还手续费"
    close(context, page)

    context, page = keyboard_login(browser, base, officer)
    page.goto(f"{base}/complaints/{complaint.pk}/")
    choose(page, "#accepted-notice_via", "sms")
    tab_to(page, "#action-accepted")
    screenshot(page, "keyboard-complaint-accept")
    page.keyboard.press("Enter")
    page.wait_for_selector("#extension-form")
    complaint.refresh_from_db()
    assert complaint.state == "accepted"
    close(context, page)


def test_follow_up_tasks_done_and_skipped_by_keyboard_alone(browser, live_server):
    rm = UserFactory(role=roles.RELATIONSHIP_MANAGER)
    customer = CustomerFactory(owner=rm, name="钱晓东")
    overdue = TaskFactory(
        customer=customer,
        title="季度回访：了解资金安排",
        due_on=timezone.localdate() - datetime.timedelta(days=2),
    )
    today = TaskFactory(customer=customer, title="确认资料更新", due_on=timezone.localdate())
    base = live_server.url

    context, page = keyboard_login(browser, base, rm)
    page.wait_for_selector(f'#home-overdue [data-task="{overdue.pk}"]')
    tab_to(page, f'[data-task="{overdue.pk}"] a.task-log')
    page.keyboard.press("Enter")
    page.wait_for_selector("#interaction-page-form")
    choose(page, "#interaction-page-form select[name=channel]", "visit")
    tab_to(page, "#interaction-page-form textarea[name=summary]")
    page.keyboard.type("上门拜访，客户计划追加稳健型理财")
    tab_to(page, "#interaction-page-form #interaction-submit")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")
    page.wait_for_selector(f'#home-today [data-task="{today.pk}"]')
    overdue.refresh_from_db()
    assert overdue.status == FollowUpTask.Status.DONE

    # Skip the other task: the summary opens the form with Enter, Enter in the field submits it.
    tab_to(page, f'[data-task="{today.pk}"] summary')
    page.keyboard.press("Enter")
    tab_to(page, f'[data-task="{today.pk}"] input[name=reason]')
    page.keyboard.type("客户出国，下月再联系")
    screenshot(page, "keyboard-task-skip")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'[data-task="{today.pk}"]', state="detached")
    today.refresh_from_db()
    assert today.status == FollowUpTask.Status.SKIPPED
    assert today.skip_reason == "客户出国，下月再联系"
    close(context, page)
