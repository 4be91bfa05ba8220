"""The fixed cost of a request (issue 21, item 2): session, user, roles, permissions and scope.

A signed-in page pays one query of its own making for them: the user's row (read fresh, so a
deactivated user or a changed password is seen at once). The session comes from the cache when
CACHE_URL is set (cached_db) and is written only when it changes or its idle window needs
extending; roles, permissions and the branch path come from the per-user access cache."""

import time

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.urls import reverse

from crm.accounts import roles
from crm.accounts.access import book_filter, branch_path
from crm.accounts.access_cache import access_facts
from crm.accounts.middleware import ACTIVITY_KEY

CACHED_DB = "django.contrib.sessions.backends.cached_db"
HOME = "/"  # My day's shell: its panels load by htmx, so the page itself is the overhead


@pytest.fixture
def cached_sessions(settings):
    settings.SESSION_ENGINE = CACHED_DB


@pytest.mark.parametrize("who", ["rm", "lead", "head", "compliance"])
def test_a_signed_in_page_costs_one_query_with_cached_sessions(
    request, client, cached_sessions, django_assert_num_queries, who
):
    client.force_login(request.getfixturevalue(who))
    client.get(HOME)  # the first request fills the caches
    with django_assert_num_queries(1) as captured:
        assert client.get(HOME).status_code == 200
    assert "accounts_user" in captured.captured_queries[0]["sql"]


@pytest.mark.parametrize("who", ["rm", "lead", "compliance"])
def test_with_database_sessions_the_session_read_is_the_only_other_query(
    request, client, settings, django_assert_num_queries, who
):
    # The embedded default (no CACHE_URL) keeps sessions in the database (test_settings.py).
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    client.force_login(request.getfixturevalue(who))
    client.get(HOME)
    with django_assert_num_queries(2) as captured:
        client.get(HOME)
    tables = [q["sql"] for q in captured.captured_queries]
    assert "django_session" in tables[0] and "accounts_user" in tables[1]


def test_the_session_is_not_saved_on_every_request(client, rm):
    client.force_login(rm)
    client.get(HOME)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    saved = Session.objects.get(pk=key).expire_date
    response = client.get(HOME)
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # nothing set again
    assert Session.objects.get(pk=key).expire_date == saved


def test_the_idle_window_is_extended_once_a_tenth_of_it_has_passed(client, rm):
    client.force_login(rm)
    client.get(HOME)
    session = client.session
    session[ACTIVITY_KEY] = int(time.time()) - settings.SESSION_COOKIE_AGE // 10
    session.save()
    before = Session.objects.get(pk=session.session_key).expire_date
    time.sleep(0.01)
    client.get(HOME)
    stored = Session.objects.get(pk=session.session_key)
    assert stored.expire_date > before
    assert stored.get_decoded()[ACTIVITY_KEY] >= int(time.time()) - 5


def test_an_anonymous_request_with_a_dead_session_cookie_creates_no_session(client, db):
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    client.get(reverse("accounts:login"))
    assert not Session.objects.exists()


def test_a_new_group_is_seen_on_the_next_request(client, rm, cached_sessions):
    client.force_login(rm)
    url = reverse("compliance:audit-chain")
    assert client.get(url).status_code == 403  # and the RM's rights are now cached
    rm.groups.add(Group.objects.get(name=roles.COMPLIANCE_OFFICER))
    assert client.get(url).status_code == 200


def test_a_group_losing_a_permission_is_seen_on_the_next_request(client, compliance):
    client.force_login(compliance)
    url = reverse("compliance:audit-chain")
    assert client.get(url).status_code == 200
    group = Group.objects.get(name=roles.COMPLIANCE_OFFICER)
    group.permissions.remove(Permission.objects.get(codename="review_audit"))
    assert client.get(url).status_code == 403


def test_a_direct_permission_is_seen_on_the_next_request(client, rm):
    client.force_login(rm)
    url = reverse("compliance:audit-chain")
    assert client.get(url).status_code == 403
    rm.user_permissions.add(Permission.objects.get(codename="review_audit"))
    assert client.get(url).status_code == 200


def test_a_withdrawn_superuser_flag_is_seen_without_any_signal(client, rm):
    client.force_login(rm)  # (signing in saves the user, which drops their entry)
    type(rm).objects.filter(pk=rm.pk).update(is_superuser=True)
    access_facts(type(rm).objects.get(pk=rm.pk))  # cached: every permission there is
    # update() sends no signal; the entry records the flag it was made for.
    type(rm).objects.filter(pk=rm.pk).update(is_superuser=False)
    assert client.get(reverse("compliance:audit-chain")).status_code == 403


def test_a_moved_branch_head_gets_the_new_branch_scope(head, branch):
    from tests.factories import BranchFactory

    other = BranchFactory()
    access_facts(head)  # cached for the old branch
    # update() sends no signal; the entry records the branch it was made for.
    type(head).objects.filter(pk=head.pk).update(branch=other)
    moved = type(head).objects.get(pk=head.pk)
    assert branch_path(moved) == other.path != branch.path


def test_the_access_facts_are_read_once_then_cached(rm, django_assert_num_queries):
    fresh = type(rm).objects.get(pk=rm.pk)
    with django_assert_num_queries(2):  # permissions; roles with the branch path
        access_facts(fresh)
    again = type(rm).objects.get(pk=rm.pk)
    with django_assert_num_queries(0):
        assert again.role_names == {roles.RELATIONSHIP_MANAGER}
        assert again.has_perm("customers.view_customer") == fresh.has_perm(
            "customers.view_customer"
        )
        book_filter(again)


def test_renaming_a_branch_path_makes_every_entry_stale(head, branch):
    assert branch_path(head) == branch.path
    branch.code = "MOVED"
    branch.save()
    fresh = type(head).objects.get(pk=head.pk)
    assert branch_path(fresh) == branch.path
    assert branch.path.endswith("MOVED/")
