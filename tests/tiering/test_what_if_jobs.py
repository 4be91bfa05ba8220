"""A what-if runs as a long job of the person who asked (tiering.what_if, issue 20 item 6):
the request only records it, the worker computes it, progress is recorded, the bell rings
once however often the task is delivered, and only its owner follows it."""

import pytest
from django.urls import reverse

from crm.core.models import BackgroundJob, Notification
from tests.tiering.factories import PolicyFactory
from tiering import what_if
from tiering.models import TierPolicy, TierRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(db):
    return PolicyFactory(status=TierPolicy.Status.DRAFT)


def test_the_page_records_the_job_and_the_worker_computes_it_once(
    client, admin, draft, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    url = reverse("tiering:policy-whatif", args=[draft.pk])
    with django_capture_on_commit_callbacks() as pending:
        client.post(url, {"as_of": "2026-07-31"})
    job = BackgroundJob.objects.get()
    assert (job.owner, job.kind, job.state) == (admin, "tiering.what_if", "queued")
    assert not TierRun.objects.filter(kind=TierRun.Kind.WHAT_IF).exists()  # not in the request
    page = client.get(url).content.decode()
    assert f'href="{reverse("core:job-detail", args=[job.pk])}"' in page
    for callback in pending:
        callback()
    job.refresh_from_db()
    assert job.state == "done" and job.result_url == url and job.done == job.total
    assert TierRun.objects.filter(kind=TierRun.Kind.WHAT_IF, policy=draft).count() == 1
    # Delivered again: nothing recomputed, still one bell.
    run = TierRun.objects.get(kind=TierRun.Kind.WHAT_IF)
    what_if.what_if_run(draft.pk, "2026-07-31", job.pk)
    assert TierRun.objects.get(kind=TierRun.Kind.WHAT_IF).pk == run.pk
    assert Notification.objects.filter(recipient=admin, text_code="job.done").count() == 1


def test_progress_is_recorded_while_it_computes(admin, draft, monkeypatch):
    job = what_if.what_if_later(admin, draft, _day())
    seen = []
    real = what_if.services.policy_what_if

    def spy(*args, **kwargs):
        seen.append(BackgroundJob.objects.values_list("state", "started_at").get(pk=job.pk))
        return real(*args, **kwargs)

    monkeypatch.setattr(what_if.services, "policy_what_if", spy)
    what_if.what_if_run(draft.pk, _day().isoformat(), job.pk)
    assert seen[0][0] == "running" and seen[0][1] is not None


def test_a_failure_is_one_failed_job_and_one_bell(admin, draft, monkeypatch):
    job = what_if.what_if_later(admin, draft, _day())

    def broken(*args, **kwargs):
        raise RuntimeError("statement timeout")

    monkeypatch.setattr(what_if.services, "policy_what_if", broken)
    with pytest.raises(RuntimeError):
        what_if.what_if_run(draft.pk, _day().isoformat(), job.pk)
    what_if.what_if_run(draft.pk, _day().isoformat(), job.pk)  # delivered again: ended
    job.refresh_from_db()
    assert (job.state, job.error) == ("failed", "RuntimeError")
    assert Notification.objects.filter(recipient=admin, text_code="job.failed").count() == 1


def test_only_the_owner_sees_the_job(client, admin, make_user, draft):
    from crm.accounts import roles

    job = what_if.what_if_later(admin, draft, _day())
    other = make_user(roles.ADMINISTRATOR)
    client.force_login(other)
    assert client.get(reverse("core:job-detail", args=[job.pk])).status_code == 404
    page = client.get(reverse("tiering:policy-whatif", args=[draft.pk])).content.decode()
    assert 'id="whatif-job"' not in page


def _day():
    import datetime

    return datetime.date(2026, 7, 31)
