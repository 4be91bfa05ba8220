"""Saved filters on the customer list: saved under a name, listed only to their owner (the htmx
fragment), deleted only by their owner (404 for anyone else)."""

from django.urls import reverse

from customers.records.models import SavedFilter


def test_save_list_and_delete_own_filter(as_user, rm_a):
    client = as_user(rm_a)
    response = client.post(
        reverse("customers:saved-filter-create"), {"name": "我的A类", "query": "tier=A"}
    )
    assert response.status_code == 302
    saved = SavedFilter.objects.get(owner=rm_a)
    assert (saved.name, saved.query) == ("我的A类", "tier=A")

    listed = client.get(reverse("customers:saved-filter-list"))
    assert listed.status_code == 200
    assert "我的A类" in listed.content.decode()

    client.post(reverse("customers:saved-filter-delete", args=[saved.pk]))
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()


def test_someone_elses_filter_is_neither_listed_nor_deletable(as_user, rm_a, rm_b):
    theirs = SavedFilter.objects.create(owner=rm_b, name="李强的筛选", query="vip=gold")
    client = as_user(rm_a)
    assert "李强的筛选" not in client.get(reverse("customers:saved-filter-list")).content.decode()
    response = client.post(reverse("customers:saved-filter-delete", args=[theirs.pk]))
    assert response.status_code == 404
    assert SavedFilter.objects.filter(pk=theirs.pk).exists()


def test_a_filter_needs_a_name(as_user, rm_a):
    as_user(rm_a).post(reverse("customers:saved-filter-create"), {"name": " ", "query": "x=1"})
    assert not SavedFilter.objects.exists()
