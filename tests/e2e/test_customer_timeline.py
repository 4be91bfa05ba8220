"""The 360 page's timeline in a browser: it loads as a panel, a kind filter narrows it in
place, and "load more" appends the next page."""

import datetime

import pytest
from django.utils import timezone

from crm.accounts import roles
from tests.compliance.factories import WarningFactory
from tests.conftest import screenshot
from tests.customers.followups.factories import InteractionFactory
from tests.factories import CustomerFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_rm_filters_and_pages_the_timeline(page, login, settings):
    settings.FIDUCIA = {**settings.FIDUCIA, "TIMELINE_PAGE_SIZE": 5}
    rm = UserFactory(role=roles.RELATIONSHIP_MANAGER, display_name="周敏")
    customer = CustomerFactory(owner=rm, name="孙立")
    now = timezone.now()
    for n in range(7):
        InteractionFactory(
            customer=customer, occurred_at=now - datetime.timedelta(days=n + 1), summary=f"回访{n}"
        )
    WarningFactory(customer=customer, title="贷款逾期30天")

    login(rm)
    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    panel = page.locator(f"#timeline-{customer.pk}")
    panel.locator(".timeline-entry").first.wait_for()
    assert panel.locator(".timeline-entry").count() == 5
    assert "贷款逾期30天" in panel.locator(".timeline-entry").first.inner_text()
    screenshot(page, "timeline-360")

    panel.locator(".timeline-more a").click()
    panel.locator(".timeline-entry").nth(7).wait_for()
    assert panel.locator(".timeline-entry").count() == 8
    assert panel.locator(".timeline-more").count() == 0

    page.check("#timeline-kind-warnings")
    contacts = f"#timeline-{customer.pk} .timeline-entry[data-kind=contacts]"
    page.locator(contacts).first.wait_for(state="detached")
    assert page.locator(f"#timeline-{customer.pk} .timeline-entry").count() == 1
    assert "贷款逾期30天" in page.locator(f"#timeline-{customer.pk}").inner_text()
    assert page.url.endswith(f"/customers/{customer.pk}/")
