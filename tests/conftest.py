"""Shared pytest fixtures. The people (rm, lead, compliance, …) are in tests/personas.py;
app-specific data fixtures live in tests/<app>/conftest.py."""

import contextlib
import os
import shutil
from pathlib import Path

import pytest
from django.db import connection, connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

pytest_plugins = ["tests.personas", "tests.worker"]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# One Hypothesis profile for every property test, so none depends on how busy the machine is:
# no per-example deadline and no "too slow" health check (both measure wall-clock time on a
# shared 2-core box); filter_too_much stays on, as it flags a strategy that is really wrong.
# CI (CI=true, set by .ci/run) also derandomizes and keeps no example database, so a red run
# is reproducible on a laptop with `CI=true pytest …`.
hypothesis_settings.register_profile(
    "fiducia",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
hypothesis_settings.register_profile(
    "ci", parent=hypothesis_settings.get_profile("fiducia"), derandomize=True, database=None
)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "fiducia")
)


def pytest_configure(config):
    """Compile stale .po catalogues so a bare `pytest` sees the translations (.mo is git-ignored)."""
    from crm.core.management.commands.compile_translations import compile_catalogues

    if compile_catalogues(Path(__file__).resolve().parent.parent, only_stale=True):
        # Django may already have cached the catalogues without the new .mo files.
        from django.conf import settings
        from django.test.signals import setting_changed

        setting_changed.send(
            sender=None, setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=True
        )


@pytest.fixture(scope="session", autouse=True)
def _audit_table_flushable():
    """Transactional and live-server tests empty every table afterwards (TRUNCATE on PostgreSQL,
    DELETE on SQLite), which the audit log's append-only triggers rightly refuse. Lift them for
    that flush only; every other statement in tests still meets the triggers."""
    import importlib

    trigger_sql = importlib.import_module("crm.audit.migrations.0002_append_only_trigger")
    ops_classes = {type(c.ops) for c in connections.all()}
    originals = {cls: cls.sql_flush for cls in ops_classes}

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        sql = originals[type(self)](
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if "audit_auditentry" not in tables or not sql:
            return sql
        if self.connection.vendor == "postgresql":
            return [
                "ALTER TABLE audit_auditentry DISABLE TRIGGER USER",
                *sql,
                "ALTER TABLE audit_auditentry ENABLE TRIGGER USER",
            ]
        if self.connection.vendor == "sqlite":
            return ["DROP TRIGGER IF EXISTS audit_entry_no_delete", *sql, trigger_sql.SQLITE_UP[1]]
        return sql

    for cls in ops_classes:
        cls.sql_flush = sql_flush
    yield
    for cls, original in originals.items():
        cls.sql_flush = original


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 at full strength costs ~0.2 s per user created; tests do not need that.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: ids repeat between tests (SQLite reuses them after a
    rollback), and a user's cached roles must not outlive the test that made them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _celery_eager(settings):
    """Tasks run inline in tests, except the real-worker test (tests/crm/test_celery_worker.py)."""
    from crm.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (set DATABASE_URL); CI runs it")


# ---- Browser tests (Playwright driving Debian's chromium; see shared/TESTING.md) -------------


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("FIDUCIA_REQUIRE_E2E"):
            pytest.fail(f"Chromium not found at {CHROMIUM} but FIDUCIA_REQUIRE_E2E is set")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; Django's async-safety check
    # would otherwise refuse the ORM calls the test makes around page actions.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.base_url = live_server.url
    yield pg
    # Let the last page's htmx requests (360 panels, the bell) finish before the test database
    # is flushed: a request still running on the live server holds locks the flush waits for
    # (on PostgreSQL a deadlock), and closing the browser does not stop the server's thread.
    from playwright.sync_api import Error as PlaywrightError

    with contextlib.suppress(PlaywrightError):
        pg.wait_for_load_state("networkidle", timeout=10_000)
    context.close()


@pytest.fixture
def login(page):
    """login(user) fills the real login form in the browser, then checks who is logged in.

    To switch users, call logout(page) first. Clearing the browser's cookies is not enough: a
    response that saves the session sets its cookie again (on a change, and every few minutes to
    extend the idle window), so an htmx request still in flight from the last page (the
    notification bell, the saved filters) can put the previous user's cookie back, and the login view (redirect_authenticated_user) then sends the browser
    home as that user instead of showing the form or logging the new user in."""

    def _login(user, password="pw-Fiducia-2026"):
        login_url = f"{page.base_url}/accounts/login/"
        page.goto(login_url)
        assert page.url == login_url, f"still logged in (sent to {page.url}); logout(page) first"
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.click("#login-submit")
        page.wait_for_url(f"{page.base_url}/")
        assert str(user) in page.locator("#user-menu").inner_text(), f"not logged in as {user}"
        return page

    return _login


def logout(page):
    """Log out through the user menu. The server deletes the session, so a response still in flight
    from the last page can no longer bring the previous user back (its cookie names a dead session).
    """
    page.click("#user-menu")
    page.click("#logout")
    page.wait_for_url(f"{page.base_url}/accounts/login/")


def screenshot(page, name: str) -> str:
    """Save a screenshot under tests/e2e/screenshots (git-ignored) for people to look at."""
    folder = os.path.join(os.path.dirname(__file__), "e2e", "screenshots")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{name}.png")
    page.screenshot(path=path, full_page=True)
    return path
