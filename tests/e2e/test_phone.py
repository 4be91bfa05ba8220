"""The pages an RM uses away from the desk, at a phone's size (390 × 844, touch): none scrolls
sideways as a whole, every table either becomes cards or scrolls inside its own box, the primary
controls are at least 44 px tall, and a contact can be logged from the phone end to end."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints.models import Complaint
from crm.accounts import roles
from customers.contacts.models import Interaction
from customers.records.models import FollowUpTask
from tests.complaints.factories import ensure_reference_data
from tests.compliance.factories import SignalFactory, StepFactory, WarningFactory
from tests.conftest import screenshot
from tests.customers.followups.factories import InteractionFactory, TaskFactory
from tests.factories import (
    ContractFactory,
    CustomerFactory,
    HoldingFactory,
    InstitutionFactory,
    MonthlyAggregateFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TOUCH = 44  # px, the minimum for a touch target

# Elements wider than the viewport that are not inside a box that scrolls or clips sideways:
# named in the failure message so a red run says which element pushed the page wide.
_OVERFLOW = """(limit) => {
  const boxed = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === "auto" || x === "scroll" || x === "hidden" || x === "clip") return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > limit + 1 && !boxed(el)) {
      out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} right=${Math.round(r.right)}`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
          offenders: out.slice(0, 8)};
}"""

# Tables on the page that neither sit in a sideways-scrolling box nor are shown as cards.
_LOOSE_TABLES = """() => [...document.querySelectorAll("main table")].filter((t) => {
  if (getComputedStyle(t).display === "block") return false;  // card mode
  const box = t.parentElement.closest(".table-responsive");
  return !box || getComputedStyle(box).overflowX !== "auto";
}).map((t) => t.id || t.className)"""

# Visible controls in the page's main area smaller than a touch target. Inline links in running
# text are exempt (WCAG 2.5.5's "inline" exception); checkboxes count by their label.
_SMALL_TARGETS = """([selector, limit]) => [...document.querySelectorAll(selector)].filter((el) => {
  const r = el.getBoundingClientRect();
  return el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true})
    && (r.height < limit - 0.5 || r.width < limit - 0.5);
}).map((el) => `${el.tagName.toLowerCase()}#${el.id}.${el.className} ${Math.round(
  el.getBoundingClientRect().width)}x${Math.round(el.getBoundingClientRect().height)}`)"""

CONTROLS = (
    "main .btn, main .form-control, main .form-select, main .nav-link, main .page-link,"
    " main .table-cards td a, main .list-group-item a, main .list-unstyled li > a, .navbar-toggler"
)


@pytest.fixture
def page(browser, live_server):
    """Overrides the desktop page of tests/conftest.py (so `login` drives this one): a phone."""
    context = browser.new_context(
        locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.base_url = live_server.url
    yield pg
    pg.wait_for_load_state("networkidle", timeout=10_000)
    context.close()


def assert_fits_a_phone(page, name: str, controls: str = CONTROLS) -> None:
    page.wait_for_load_state("networkidle")
    screenshot(page, f"phone-{name}")
    fit = page.evaluate(_OVERFLOW, PHONE["width"])
    assert fit["innerWidth"] == PHONE["width"], fit
    assert fit["scrollWidth"] <= PHONE["width"], f"{name} scrolls sideways: {fit}"
    assert page.evaluate(_LOOSE_TABLES) == [], f"{name}: tables that push the page wide"
    small = page.evaluate(_SMALL_TARGETS, [controls, TOUCH])
    assert small == [], f"{name}: touch targets under {TOUCH}px: {small}"


@pytest.fixture
def book():
    """An RM's book with something in every panel: a long institution name, overdue and today's
    tasks, recent contacts, holdings, contracts, twelve months of figures, a red warning with an
    open disposal step and its signals."""
    ensure_reference_data()
    rm = UserFactory(role=roles.RELATIONSHIP_MANAGER, display_name="王芳")
    today = timezone.localdate()
    customer = CustomerFactory(owner=rm, name="赵建国")
    others = [CustomerFactory(owner=rm) for _ in range(6)]
    others.append(InstitutionFactory(owner=rm, name="华信国际信托投资有限责任公司上海分公司"))
    for i, c in enumerate([customer, *others]):
        TaskFactory(
            customer=c,
            title=f"季度回访：了解资金安排和到期续作意向 {i}",
            due_on=today - datetime.timedelta(days=i % 3),
        )
        InteractionFactory(customer=c, summary="电话回访，客户计划下季度追加稳健型理财产品")
    for month in range(12):
        MonthlyAggregateFactory(
            customer=customer,
            month=(today.replace(day=1) - datetime.timedelta(days=31 * month)).replace(day=1),
            average_balance=Decimal(200_000 + 10_000 * month),
        )
    for _ in range(3):
        HoldingFactory(customer=customer, account_number="6222020200012345678")
        ContractFactory(customer=customer)
    warning = WarningFactory(customer=customer, title="贷款本息逾期45天，需核实资金周转情况")
    StepFactory(warning=warning, kind="verify", due_on=today)
    SignalFactory(customer=customer, evidence="贷款本息逾期45天（征信报告第3页）")
    return rm, customer, warning


def test_my_day_fits_a_phone(page, login, book):
    rm, _customer, _warning = book
    login(rm)
    page.locator("#home-overdue [data-task]").first.wait_for()
    assert_fits_a_phone(page, "my-day")
    # The menu folds behind the toggler; opened, its entries are touch-sized too.
    page.locator(".navbar-toggler").tap()
    page.locator("#mainnav.show").wait_for()
    page.wait_for_timeout(400)  # the collapse animation
    assert_fits_a_phone(page, "my-day-menu", "#mainnav .nav-link, #mainnav .btn")


def test_customer_list_rows_become_cards(page, login, book):
    rm, customer, _warning = book
    login(rm)
    page.goto(f"{page.base_url}/customers/")
    row = page.locator("#customer-table tbody tr").first
    row.wait_for()
    assert_fits_a_phone(page, "customer-list")
    assert page.evaluate("getComputedStyle(document.querySelector('#customer-table')).display") == (
        "block"
    )
    # Each cell says what it is, as its column header did.
    labels = page.evaluate(
        """[...document.querySelectorAll('#customer-table tbody tr:first-child td')]
             .map((td) => getComputedStyle(td, '::before').content.replace(/^"|"$/g, ''))"""
    )
    headers = page.evaluate(
        "[...document.querySelectorAll('#customer-table thead th')].map((th) => th.textContent)"
    )
    assert labels == headers and "客户经理" in labels


def test_customer_360_panels_stack_and_the_chart_resizes(page, login, book):
    rm, customer, _warning = book
    login(rm)
    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    page.locator("#balance-chart canvas").wait_for()
    # Every registered panel has been loaded by htmx (none still says "Loading…").
    page.wait_for_function(
        """() => [...document.querySelectorAll("[id^=panel-] > .card-body")]
                   .every((body) => !body.textContent.includes("加载中"))"""
    )
    assert page.locator("[id^=panel-]").count() >= 4
    assert_fits_a_phone(page, "360")
    # Panels stack: each takes the whole width, one under the other.
    boxes = [page.locator(sel).bounding_box() for sel in ("#profile", "#kyc", "#holdings")]
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
    assert all(b["width"] > PHONE["width"] - 60 for b in boxes)
    chart = page.locator("#balance-chart")
    canvas_width = lambda: page.evaluate(  # noqa: E731
        "echarts.getInstanceByDom(document.querySelector('#balance-chart')).getWidth()"
    )
    assert canvas_width() == pytest.approx(chart.bounding_box()["width"], abs=1)
    # Turned sideways, the chart follows its box.
    page.set_viewport_size({"width": 844, "height": 390})
    page.wait_for_function(
        "(w) => echarts.getInstanceByDom(document.querySelector('#balance-chart')).getWidth() > w",
        arg=PHONE["width"],
    )
    assert canvas_width() == pytest.approx(chart.bounding_box()["width"], abs=1)


def test_task_list_rows_become_cards(page, login, book):
    rm, _customer, _warning = book
    login(rm)
    page.goto(f"{page.base_url}/customers/followups/tasks/")
    page.locator("#task-table .task-row").first.wait_for()
    assert_fits_a_phone(page, "task-list")


def test_warning_detail_with_its_disposal_step(page, login, book):
    rm, _customer, warning = book
    login(rm)
    page.goto(f"{page.base_url}/compliance/warnings/{warning.pk}/")
    page.locator("#step-form").wait_for()
    assert_fits_a_phone(page, "warning-detail")


@pytest.mark.parametrize("desk", ["counter", "customer"])
def test_complaint_intake_fits_a_phone(page, login, book, desk):
    rm, customer, _warning = book
    login(rm)
    path = "/complaints/new/" if desk == "counter" else f"/complaints/new/customer/{customer.pk}/"
    page.goto(f"{page.base_url}{path}")
    page.locator("#intake-form").wait_for()
    assert_fits_a_phone(page, f"complaint-intake-{desk}", CONTROLS + ", main .form-check")
    assert Complaint.objects.count() == 0


def test_team_lead_selects_customers_by_touch(page, login, book):
    """The reassign checkboxes of the lead's list sit in a 44 px label: a tap near, not on, the
    small box still selects the customer."""
    rm, _customer, _warning = book
    lead = UserFactory(role=roles.TEAM_LEAD, team=rm.team, branch=rm.branch)
    login(lead)
    page.goto(f"{page.base_url}/customers/")
    page.locator("#customer-table tbody tr").first.wait_for()
    assert_fits_a_phone(page, "customer-list-lead", CONTROLS + ", main .touch-check")
    target = page.locator("#customer-table .touch-check").first
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    corner = [box["x"] + 3, box["y"] + 3]  # the label's corner, outside the small box
    assert page.evaluate("([x, y]) => document.elementFromPoint(x, y).tagName", corner) == "LABEL"
    page.touchscreen.tap(*corner)
    expect(target.locator("input")).to_be_checked()


def test_rm_logs_a_visit_from_a_phone(page, login, book):
    rm, customer, _warning = book
    task = FollowUpTask.objects.get(customer=customer)
    login(rm)
    page.locator(f'[data-task="{task.pk}"] a.task-log').tap()
    page.wait_for_selector("#interaction-page-form")
    assert_fits_a_phone(page, "log-contact")
    # Native pickers: the browser's own date and time control, not a text box.
    assert page.get_attribute("input[name=occurred_at]", "type") == "datetime-local"
    page.select_option("select[name=channel]", "visit")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)  # a future time is refused
    page.fill("input[name=occurred_at]", f"{yesterday:%Y-%m-%d}T09:30")
    page.fill("textarea[name=summary]", "上门拜访，客户计划下季度追加稳健型理财")
    page.locator("#interaction-submit").tap()
    screenshot(page, "phone-log-contact-sent")
    page.wait_for_url(f"{page.base_url}/")
    visit = Interaction.objects.get(customer=customer, channel="visit")
    assert visit.summary == "上门拜访，客户计划下季度追加稳健型理财"
    assert timezone.localtime(visit.occurred_at).strftime("%Y-%m-%d %H:%M") == (
        f"{yesterday:%Y-%m-%d} 09:30"
    )
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.DONE and task.interaction == visit


def test_the_pages_fit_a_phone_in_english(browser, live_server, book):
    """English labels run longer than Chinese ones (and buttons keep theirs on one line)."""
    rm, customer, warning = book
    context = browser.new_context(
        locale="en-US", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.goto(f"{live_server.url}/accounts/login/")
    pg.fill("input[name=username]", rm.username)
    pg.fill("input[name=password]", "pw-Fiducia-2026")
    pg.click("#login-submit")
    pg.wait_for_url(f"{live_server.url}/")
    assert pg.locator("html").get_attribute("lang") == "en"
    for name, path in [
        ("my-day", "/"),
        ("customer-list", "/customers/"),
        ("360", f"/customers/{customer.pk}/"),
        ("log-contact", f"/customers/{customer.pk}/interactions/new/"),
        ("task-list", "/customers/followups/tasks/"),
        ("warning-detail", f"/compliance/warnings/{warning.pk}/"),
        ("complaint-intake", "/complaints/new/"),
    ]:
        pg.goto(f"{live_server.url}{path}")
        assert_fits_a_phone(pg, f"en-{name}")
    context.close()
