"""Base UI: language switching, friendly error pages, admin calendar warning, audit list page."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from crm.accounts import roles
from crm.audit.services import record
from crm.core.models import CalendarYear

pytestmark = pytest.mark.django_db


def test_home_is_chinese_by_default_and_english_after_switching(rm_client):
    body = rm_client.get("/").content.decode()
    assert 'lang="zh-hans"' in body
    assert "我的工作台" in body
    assert "退出登录" in body
    response = rm_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.url == "/"
    body = rm_client.get("/").content.decode()
    assert 'lang="en"' in body
    assert "My day" in body
    assert "Log out" in body
    assert "我的工作台" not in body
    rm_client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "我的工作台" in rm_client.get("/").content.decode()


def test_login_page_is_chinese_and_reachable_anonymously(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "登录 Fiducia" in body
    assert "English" in body  # the switcher is there before logging in


def test_anonymous_can_switch_language_on_the_login_page(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert "Log in to Fiducia" in client.get(reverse("accounts:login")).content.decode()


def test_browser_language_is_honoured(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="en"' in response.content.decode()


def test_unknown_url_is_a_friendly_404(rm_client):
    response = rm_client.get("/no/such/page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    assert rm_client.get("/customers/not-a-number/").status_code == 404
    assert rm_client.get("/platform/approvals/999999/decide/").status_code in (404, 405)


def test_anonymous_unknown_url_goes_to_login_without_revealing_it(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_anonymous_needs_login_everywhere_but_login_and_health(client):
    for url in ("/", "/customers/", "/audit/", "/platform/approvals/", "/platform/notifications/"):
        assert client.get(url).status_code == 302, url
    assert client.get(reverse("ui:health")).status_code == 200


def test_500_page_renders_without_context():
    from crm.ui.errors import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b"<html" in response.content


def test_403_page(rm_client):
    response = rm_client.get(reverse("audit:entry-list"))
    assert response.status_code == 403
    assert "您无权执行此操作" in response.content.decode()


def test_navigation_follows_role(client, make_user):
    rm = make_user(roles.RELATIONSHIP_MANAGER)
    client.force_login(rm)
    body = client.get("/").content.decode()
    assert 'data-nav="home"' in body
    assert 'data-nav="audit"' not in body
    client.force_login(make_user(roles.COMPLIANCE_OFFICER))
    assert 'data-nav="audit"' in client.get("/").content.decode()


def test_admin_home_warns_about_a_year_without_calendar(admin_client):
    year = timezone.localdate().year
    CalendarYear.objects.filter(year__in=[year, year + 1]).delete()
    body = admin_client.get(reverse("admin:index")).content.decode()
    assert 'id="calendar-missing"' in body
    assert str(year) in body
    CalendarYear.objects.create(year=year)
    CalendarYear.objects.create(year=year + 1)
    body = admin_client.get(reverse("admin:index")).content.decode()
    assert 'id="calendar-missing"' not in body


# ---- Audit log page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (roles.COMPLIANCE_OFFICER, 200),
        (roles.AUDITOR, 200),
        (roles.ADMINISTRATOR, 200),
        (roles.RELATIONSHIP_MANAGER, 403),
        (roles.TEAM_LEAD, 403),
        (roles.BRANCH_HEAD, 403),
        (roles.RISK_OFFICER, 403),
    ],
)
def test_audit_list_only_for_reviewers(client, make_user, role, status):
    client.force_login(make_user(role))
    assert client.get(reverse("audit:entry-list")).status_code == status


def test_audit_list_filters(client, compliance_user, make_user):
    rm = make_user(roles.RELATIONSHIP_MANAGER, username="rm_wang")
    record(rm, "customer.revealed", "张伟", purpose="核实身份")
    record(compliance_user, "approval.approved", "导出申请")
    client.force_login(compliance_user)

    def rows(**params):
        page = client.get(reverse("audit:entry-list"), params).context["page"]
        return [e.action for e in page]

    # Signing in is itself in the log (issue 15 item 5).
    assert sorted(rows()) == ["approval.approved", "customer.revealed", "security.login"]
    assert rows(action="customer.") == ["customer.revealed"]
    assert rows(actor="rm_wang") == ["customer.revealed"]
    today = timezone.localdate().isoformat()
    assert len(rows(since=today, until=today)) == 3
    assert rows(since="2001-01-01", until="2001-01-02") == []
    # Invalid input is ignored with the form showing the error, not a 500.
    response = client.get(reverse("audit:entry-list"), {"since": "not-a-date"})
    assert response.status_code == 200
    assert response.context["filter"].errors


def test_audit_list_paginates_by_keyset(client, compliance_user, settings):
    settings.FIDUCIA = {**settings.FIDUCIA, "LIST_PAGE_SIZE": 3}
    for i in range(7):
        record(compliance_user, f"test.{i}", None)
    client.force_login(compliance_user)
    seen, cursor = [], None
    while True:
        params = {"action": "test."} | ({"after": cursor} if cursor else {})
        page = client.get(reverse("audit:entry-list"), params).context["page"]
        seen += [e.action for e in page]
        if not page.has_next:
            break
        cursor = page.next_cursor
    assert sorted(seen) == [f"test.{i}" for i in range(7)]
    assert len(set(seen)) == 7


def test_audit_list_query_count_is_fixed(client, compliance_user, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import UserFactory

    client.force_login(compliance_user)
    record(compliance_user, "a", None)
    client.get(reverse("audit:entry-list"))  # fills the access cache and stamps the session
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("audit:entry-list"))
    few = len(few)  # now: the next request empties the connection's query log
    assert few <= 3  # 2 of them the session and the user (issue 21: was 8 with 7)
    actors = [compliance_user, *UserFactory.create_batch(5)]
    for i in range(60):
        record(actors[i % len(actors)], f"b.{i}", None)
    client.get(reverse("audit:entry-list"))  # new branches made every cached access entry stale
    with django_assert_max_num_queries(few):
        response = client.get(reverse("audit:entry-list"))
    assert len(response.context["page"]) == 50
    assert response.context["page"].has_next


def test_navigation_groups_pages_into_drop_downs(rm_client, monkeypatch):
    from crm.ui import registry
    from crm.ui.context_processors import navigation

    monkeypatch.setitem(registry._nav_groups, "solo", registry.NavGroup("solo", "Solo", order=5))
    for key in ("one", "two"):
        monkeypatch.setitem(
            registry._nav, key, registry.NavItem(key, key, "ui:home", group="multi", order=7)
        )
    monkeypatch.setitem(registry._nav_groups, "multi", registry.NavGroup("multi", "Multi", order=6))
    monkeypatch.setitem(
        registry._nav, "lonely", registry.NavItem("lonely", "L", "ui:home", group="solo")
    )
    request = RequestFactory().get("/")
    request.user = rm_client.user
    entries = navigation(request)["nav_items"]
    keys = [e.get("group") or e["key"] for e in entries]
    # A group with one visible page is just that page's link; with more, a drop-down in order.
    assert "lonely" in keys and "solo" not in keys
    multi = next(e for e in entries if e.get("group") == "multi")
    assert [i["key"] for i in multi["items"]] == ["one", "two"]
    assert keys.index("lonely") < keys.index("multi")
    body = rm_client.get("/").content.decode()
    assert 'data-nav-group="multi"' in body and 'data-nav="two"' in body


def test_browser_tab_reads_page_then_site(rm_client):
    body = rm_client.get(reverse("customers:customer-list")).content.decode()
    assert "<title>客户 · Fiducia 客户关系管理系统</title>" in body
    rm_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = rm_client.get(reverse("customers:customer-list")).content.decode()
    assert "<title>Customers · Fiducia CRM</title>" in body


def test_title_without_a_page_name_is_the_site_alone_and_escaped_once():
    from django.template import Context, Template
    from django.utils import translation

    def render(block):
        source = "{% load fiducia %}{% page_title %}" + block + "{% endpage_title %}"
        with translation.override("en"):
            return Template(source).render(Context({"name": "A & B"}))

    assert render("") == "Fiducia CRM"
    assert render("  {{ name }} ") == "A &amp; B · Fiducia CRM"
