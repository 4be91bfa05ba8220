"""Saved views of the main lists (crm.ui.saved): personal or shared with the owner's team
only, deleted by their owner only, never keeping a clear identifier, with their columns."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm.audit.models import AuditEntry
from crm.core.access import NotFound
from crm.core.models import SavedView
from crm.ui.saved import access_saved_view, saved_view_save, saved_views_for

pytestmark = pytest.mark.django_db

TASKS = "customers:task-list"
CUSTOMERS = "customers:customer-list"


def test_a_shared_view_is_seen_by_the_owners_team_only(rm_a, rm_b, rm_other, lead):
    shared = saved_view_save(
        rm_a, list_key=TASKS, name="本周逾期", query="status=overdue", shared=True
    )
    personal = saved_view_save(rm_a, list_key=TASKS, name="我的", query="status=open")
    assert set(saved_views_for(rm_a, TASKS)) == {shared, personal}
    assert list(saved_views_for(rm_b, TASKS)) == [shared]
    assert list(saved_views_for(lead, TASKS)) == [shared]
    assert list(saved_views_for(rm_other, TASKS)) == []  # another team of the same branch
    assert list(saved_views_for(rm_b, CUSTOMERS)) == []  # another list
    assert AuditEntry.objects.filter(action="saved_view.shared", target_id=str(shared.pk)).exists()


def test_only_the_owner_deletes_a_shared_view(client, rm_a, rm_b):
    shared = saved_view_save(rm_a, list_key=TASKS, name="共享", query="status=open", shared=True)
    assert access_saved_view(rm_b, shared.pk) == shared
    with pytest.raises(NotFound):
        access_saved_view(rm_b, shared.pk, for_write=True)
    client.force_login(rm_b)
    assert client.post(reverse("ui:saved-view-delete", args=[shared.pk])).status_code == 404
    assert SavedView.objects.filter(pk=shared.pk).exists()
    client.force_login(rm_a)
    client.post(reverse("ui:saved-view-delete", args=[shared.pk]))
    assert not SavedView.objects.filter(pk=shared.pk).exists()


def test_someone_without_a_team_cannot_share(rm_a):
    rm_a.team = None
    rm_a.save()
    with pytest.raises(ValidationError):
        saved_view_save(rm_a, list_key=TASKS, name="x", query="status=open", shared=True)
    assert not SavedView.objects.exists()


def test_a_clear_identifier_is_refused_on_a_plain_list(rm_a):
    with pytest.raises(ValidationError):
        saved_view_save(rm_a, list_key=TASKS, name="x", query="status=open&q=13812345678")
    assert not SavedView.objects.exists()


def test_an_unknown_list_and_an_empty_name_are_refused(rm_a):
    for kwargs in ({"list_key": "nope:list", "name": "x"}, {"list_key": TASKS, "name": "  "}):
        with pytest.raises(ValidationError):
            saved_view_save(rm_a, query="status=open", **kwargs)
    assert not SavedView.objects.exists()


def test_the_same_name_replaces_the_users_view_and_keeps_known_columns(rm_a):
    saved_view_save(rm_a, list_key=TASKS, name="A", query="status=open")
    again = saved_view_save(
        rm_a, list_key=TASKS, name="A", query="status=done&after=abc", columns=["owner", "zzz"]
    )
    assert SavedView.objects.count() == 1
    assert (again.query, again.columns) == ("status=done", ["owner"])


def test_the_bar_lists_views_and_links_them_with_their_columns(client, rm_a, rm_b):
    saved_view_save(
        rm_a,
        list_key=TASKS,
        name="共享视图",
        query="status=overdue",
        columns=["owner"],
        shared=True,
    )
    client.force_login(rm_b)
    body = client.get(reverse("ui:saved-view-bar"), {"list": TASKS, "query": "status=open"})
    text = body.content.decode()
    assert "共享视图" in text and "status=overdue&amp;cols=owner" in text
    # Not theirs: no delete button; the column chooser is offered.
    assert "saved-view-delete" not in text and 'id="column-chooser"' in text
    assert client.get(reverse("ui:saved-view-bar"), {"list": "nope"}).status_code == 404


def test_saving_from_the_page_redirects_to_the_view(client, rm_a):
    client.force_login(rm_a)
    response = client.post(
        reverse("ui:saved-view-create"),
        {"list": TASKS, "name": "逾期", "query": "status=overdue&who=mine", "shared": "on"},
    )
    view = SavedView.objects.get()
    assert view.visibility == "team" and view.team_id == rm_a.team_id
    assert response.url == reverse(TASKS) + "?status=overdue&who=mine"


def test_the_bar_runs_a_fixed_number_of_queries(client, rm_a, rm_b, django_assert_max_num_queries):
    for k in range(15):
        saved_view_save(rm_b, list_key=TASKS, name=f"视图{k}", query="status=open", shared=True)
    client.force_login(rm_a)
    url = reverse("ui:saved-view-bar")
    client.get(url, {"list": TASKS})
    with django_assert_max_num_queries(3):
        body = client.get(url, {"list": TASKS}).content.decode()
    assert body.count('class="badge text-bg-light border saved-view"') == 15


def test_a_crafted_selection_is_refused_with_a_message(client, rm_a):
    client.force_login(rm_a)
    response = client.post(
        reverse("ui:bulk-run"),
        {"list": TASKS, "action": "skip", "ids": ["abc", "99999999999"], "skip-reason": "x"},
        follow=True,
    )
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    unknown = client.post(reverse("ui:bulk-run"), {"list": TASKS, "action": "nope"})
    assert unknown.status_code == 404


def test_a_list_the_user_cannot_open_keeps_no_views(client, rm_a):
    with pytest.raises(ValidationError):
        saved_view_save(rm_a, list_key="audit:entry-list", name="x", query="action=a")
    client.force_login(rm_a)
    assert client.get(reverse("ui:saved-view-bar"), {"list": "audit:entry-list"}).status_code == 404
    assert not SavedView.objects.exists()
