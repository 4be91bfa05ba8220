"""A first look in Chinese (issue 20 item 7): short button labels stay on one line on the
warning, complaint, approval and tiering pages, and the complaint statistics charts draw every
month and keep their axis labels inside the chart."""

import datetime

import pytest
from django.utils import timezone

from compliance.services.watchlist import watchlist_change_request
from crm.accounts import roles
from tests.complaints.factories import ensure_reference_data, make_complaint
from tests.compliance.factories import StepFactory, WarningFactory
from tests.conftest import logout, screenshot
from tests.factories import CustomerFactory, MonthlyAggregateFactory, UserFactory
from tiering import services as tier_services
from tiering.models import TierPolicy

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Visible buttons taller than one line of their text (plus padding and border): a wrapped label.
WRAPPED_BUTTONS = """() => [...document.querySelectorAll('.btn')]
  .filter(b => b.offsetParent !== null && b.innerText.trim())
  .map(b => {
    const s = getComputedStyle(b);
    const frame = ['paddingTop', 'paddingBottom', 'borderTopWidth', 'borderBottomWidth']
      .reduce((sum, k) => sum + parseFloat(s[k]), 0);
    return {text: b.innerText.trim(), height: b.getBoundingClientRect().height,
            oneLine: parseFloat(s.lineHeight) + frame};
  })
  .filter(b => b.height > b.oneLine * 1.3)"""

# Every text ECharts drew, and those whose box leaves the chart (a clipped axis label).
CHART_TEXTS = """(id) => {
  const chart = echarts.getInstanceByDom(document.querySelector(`[data-chart="${id}"]`));
  const width = chart.getWidth(), height = chart.getHeight(), texts = [], outside = [];
  chart.getZr().storage.getDisplayList().forEach(el => {
    const text = el.style && el.style.text;
    if (!text) return;
    const box = el.getBoundingRect().clone();
    if (el.transform) box.applyTransform(el.transform);
    texts.push(String(text));
    if (box.x < -0.5 || box.y < -0.5 || box.x + box.width > width + 0.5
        || box.y + box.height > height + 0.5) outside.push(String(text));
  });
  return {texts, outside};
}"""


def _buttons_on_one_line(page, url, label):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert page.locator(".btn", has_text=label).first.is_visible(), f"no “{label}” on {url}"
    wrapped = page.evaluate(WRAPPED_BUTTONS)
    assert wrapped == [], f"{url}: {wrapped}"


def test_short_chinese_buttons_stay_on_one_line(page, login):
    ensure_reference_data()
    rm = UserFactory(role=roles.RELATIONSHIP_MANAGER)
    risk = UserFactory(role=roles.RISK_OFFICER)
    officer = UserFactory(role=roles.COMPLIANCE_OFFICER)
    customer = CustomerFactory(owner=rm, name="张伟")
    warning = WarningFactory(customer=customer, title="贷款逾期30天，需核实还款能力")
    StepFactory(warning=warning)
    complaint = make_complaint(rm, customer=customer)
    review_on = timezone.localdate() + datetime.timedelta(days=90)
    watchlist_change_request(
        risk, customer, action="reduce", reason="逾期未还", review_on=review_on
    )
    policy = TierPolicy.objects.create(version=1, name="默认策略", status="published")
    MonthlyAggregateFactory(customer=customer, month=timezone.localdate().replace(day=1))
    tier_services.run_recalculate(timezone.localdate(), policy=policy)

    login(officer)
    base = page.base_url
    _buttons_on_one_line(page, f"{base}/compliance/warnings/{warning.pk}/", "记录")
    _buttons_on_one_line(page, f"{base}/complaints/{complaint.pk}/", "上传")
    _buttons_on_one_line(page, f"{base}/platform/approvals/", "批准")
    _buttons_on_one_line(page, f"{base}/tiering/", "查看")
    screenshot(page, "first-look-tiering")
    logout(page)


def test_complaint_statistics_charts_show_every_month_and_whole_labels(page, login):
    ensure_reference_data()
    rm = UserFactory(role=roles.RELATIONSHIP_MANAGER)
    officer = UserFactory(role=roles.COMPLIANCE_OFFICER)
    make_complaint(rm)
    login(officer)
    page.goto(f"{page.base_url}/complaints/statistics/")
    for chart in ("chart-months", "chart-category", "chart-cause", "chart-channel"):
        page.wait_for_selector(f'[data-chart="{chart}"] canvas')
    page.wait_for_timeout(1200)  # the bars' entry animation moves the labels into place
    screenshot(page, "first-look-complaint-statistics")
    months = page.evaluate(CHART_TEXTS, "chart-months")
    drawn = [t for t in months["texts"] if len(t) == 7 and t[4] == "-"]
    assert len(drawn) == 12, drawn  # every month of the year labelled, quiet ones too
    assert months["outside"] == []
    for chart in ("chart-category", "chart-cause", "chart-channel"):
        assert page.evaluate(CHART_TEXTS, chart)["outside"] == [], chart


def test_kpi_table_shows_its_last_badge_whole(page, login):
    import io

    from django.conf import settings

    from crm.accounts.demo import seed_organisation
    from crm.performance.demo import seed_performance
    from customers.records.demo import seed_customers

    users = seed_organisation(io.StringIO())
    seed_customers(stdout=io.StringIO(), customers=24, users=users)
    seed_performance(stdout=io.StringIO(), customers=0, users=users)
    login(users["head1"], password=settings.FIDUCIA["DEMO_PASSWORD"])
    page.set_viewport_size({"width": 1024, "height": 800})  # a small laptop screen
    page.goto(f"{page.base_url}/performance/")
    badge = page.locator(".compliance-lapsed").first
    badge.wait_for()
    box = page.locator("#kpi-table").locator("xpath=..")  # the table's scrolling box
    frame, shown = box.bounding_box(), badge.bounding_box()
    assert shown["x"] + shown["width"] <= frame["x"] + frame["width"] + 0.5
    assert box.evaluate("el => el.scrollWidth <= el.clientWidth")
    # When the columns run out of room the badge wraps like text instead of pushing the table
    # past its box (with the demo's old, wider figures it was cut off at the card's edge).
    assert badge.evaluate("el => getComputedStyle(el).whiteSpace") == "normal"
