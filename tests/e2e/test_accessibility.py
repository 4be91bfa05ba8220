"""Accessible to everyone (issue 20 item 4): axe-core finds no serious or critical violation on the
twenty most used pages, as each role sees them with the demo data (panels and htmx fragments
loaded).

axe-core comes from npm (package.json devDependencies) and is injected by the test only; users are
never served it. Injecting a script is refused by the page's CSP, so these browser contexts bypass
CSP (`bypass_csp`, a Playwright setting that exists for tests); the pages themselves are unchanged.
"""

import io
import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.complaints.factories import ensure_reference_data
from tests.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
REPORT = Path(__file__).parent / "screenshots" / "axe-report.json"
BLOCKING = {"serious", "critical"}

# The twenty most used pages, by the role that uses them most. A path may name the demo object
# it needs: {customer}, {complaint}, {warning} are filled in from the seeded data.
PAGES = [
    (None, "login", "/accounts/login/"),
    ("rm1", "my-day", "/"),
    ("rm1", "customer-list", "/customers/"),
    ("rm1", "customer-360", "/customers/{customer}/"),
    ("rm1", "log-contact", "/customers/{customer}/interactions/new/"),
    ("rm1", "task-list", "/customers/followups/tasks/"),
    ("rm1", "pipeline", "/customers/sales/pipeline/"),
    ("rm1", "statements", "/customers/sales/statements/"),
    ("rm1", "notifications", "/platform/notifications/"),
    ("compliance1", "complaint-queue", "/complaints/"),
    ("compliance1", "complaint-detail", "/complaints/{complaint}/"),
    ("compliance1", "complaint-intake", "/complaints/new/"),
    ("compliance1", "complaint-statistics", "/complaints/statistics/"),
    ("compliance1", "compliance-dashboard", "/compliance/"),
    ("compliance1", "warning-list", "/compliance/warnings/"),
    ("compliance1", "warning-detail", "/compliance/warnings/{warning}/"),
    ("auditor1", "audit-log", "/audit/"),
    ("lead1", "team-dashboard", "/performance/"),
    ("lead1", "tier-runs", "/tiering/"),
    ("lead1", "approvals", "/platform/approvals/"),
]

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
    count: v.nodes.length,
  }));
}"""


def _objects(rm):
    from complaints.models import Complaint
    from compliance.models import RiskWarning
    from customers.records.models import Customer

    return {
        "customer": Customer.objects.filter(owner=rm).order_by("pk").first().pk,
        "complaint": Complaint.objects.order_by("pk").first().pk,
        "warning": RiskWarning.objects.order_by("pk").first().pk,
    }


def _context(browser, live_server, username):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1400, "height": 900}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    if username:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", settings.FIDUCIA["DEMO_PASSWORD"])
        page.click("#login-submit")
        page.wait_for_url(f"{live_server.url}/")
    return context, page


def _settle(page):
    """Wait until htmx has loaded every `load`-triggered fragment (the 360 panels, the bell)."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request') && "
        "![...document.querySelectorAll('[hx-trigger]')].some(e => "
        "e.getAttribute('hx-trigger').startsWith('load') && e.textContent.includes('…') "
        "&& e.children.length === 1 && e.querySelector('.text-muted'))"
    )


def axe_violations(page):
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


def test_most_used_pages_have_no_serious_or_critical_axe_violations(browser, live_server):
    assert AXE.exists(), "npm install (axe-core is a devDependency)"
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ensure_reference_data()  # an earlier transactional test may have flushed the code tables
    call_command("seed_demo", customers=40, force=True, stdout=io.StringIO())
    from crm.accounts.models import User

    objects = _objects(User.objects.get(username="rm1"))
    report, contexts = {}, {}
    try:
        for username, name, path in PAGES:
            if username not in contexts:
                contexts[username] = _context(browser, live_server, username)
            page = contexts[username][1]
            page.goto(live_server.url + path.format(**objects))
            _settle(page)
            screenshot(page, f"a11y-{name}")
            report[name] = axe_violations(page)
            page.wait_for_load_state("networkidle")
    finally:
        for context, page in contexts.values():
            page.wait_for_load_state("networkidle")
            context.close()
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    summary = {
        name: {
            impact: sum(v["count"] for v in found if v["impact"] == impact)
            for impact in ("critical", "serious", "moderate", "minor")
        }
        for name, found in report.items()
    }
    print(json.dumps(summary, indent=1))
    blocking = {
        name: [(v["id"], v["count"], v["nodes"]) for v in found if v["impact"] in BLOCKING]
        for name, found in report.items()
    }
    assert {name: found for name, found in blocking.items() if found} == {}
