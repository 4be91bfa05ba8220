"""Approved exports build their file as a long job of the requester's (crm.core.downloads,
issue 20 item 6): progress recorded, one bell when it ends however often the task runs, the
file kept encrypted for the one download, and only the requester follows it."""

import dataclasses
import datetime
import io
import os

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from crm.audit.models import AuditEntry
from crm.core import downloads
from crm.core.approvals import approval_decide
from crm.core.models import BackgroundJob, Notification
from customers.records.transfers import PII_EXPORT

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with translation.override("en"):
        yield


@pytest.fixture
def pending(rm_a, mine):
    return downloads.download_request(PII_EXPORT, rm_a, {"q": "张"}, reason="监管报送")


def _approve(lead, export, capture):
    with capture(execute=True):
        approval_decide(lead, export.approval_id, approve=True)
    return BackgroundJob.objects.get(subject=f"{PII_EXPORT.key}:{export.pk}")


def test_approval_builds_the_file_as_the_requesters_job_and_rings_once(
    rm_a, lead, pending, django_capture_on_commit_callbacks
):
    job = _approve(lead, pending, django_capture_on_commit_callbacks)
    assert (job.owner, job.kind, job.state, job.done, job.total) == (rm_a, "export", "done", 1, 1)
    assert job.result_url == reverse("customers:pii-export-list")
    assert job.file and job.file_name.endswith(".xlsx")
    with job.file.open("rb") as fh:
        stored = fh.read()
    assert not stored.startswith(b"PK")  # encrypted at rest, not the workbook itself
    assert "张伟" not in stored.decode("latin-1")
    # The task delivered again: nothing rebuilt, still one notification (the requester's).
    downloads.download_build(PII_EXPORT.key, pending.pk, job.pk)
    assert BackgroundJob.objects.get(pk=job.pk).file.name == job.file.name
    assert Notification.objects.filter(recipient=rm_a, text_code="job.done").count() == 1
    assert not Notification.objects.filter(recipient=lead, text_code__startswith="job.").exists()


def test_progress_is_recorded_while_the_file_is_built(
    rm_a, lead, pending, monkeypatch, django_capture_on_commit_callbacks
):
    seen = []

    def build(user, filters):
        job = BackgroundJob.objects.get(subject=f"{PII_EXPORT.key}:{pending.pk}")
        seen.append((job.state, job.done, job.total, job.started_at is not None))
        return b"xlsx", "f.xlsx"

    kind = dataclasses.replace(PII_EXPORT, build=build)
    monkeypatch.setitem(downloads._downloads, PII_EXPORT.key, kind)
    _approve(lead, pending, django_capture_on_commit_callbacks)
    assert seen == [("running", 0, 1, True)]


def test_the_download_serves_the_built_file_once_and_deletes_it(
    rm_a, lead, pending, django_capture_on_commit_callbacks
):
    job = _approve(lead, pending, django_capture_on_commit_callbacks)
    path = job.file.path
    with django_capture_on_commit_callbacks(execute=True):
        data, name = downloads.download_take(PII_EXPORT, rm_a, pending)
    assert name == job.file_name
    assert load_workbook(io.BytesIO(data)).active.max_row >= 2
    assert not os.path.exists(path)
    job.refresh_from_db()
    assert not job.file
    assert AuditEntry.objects.filter(action="pii_export.downloaded").count() == 1


def test_a_failed_build_is_reported_once_and_the_download_still_works(
    rm_a, lead, pending, monkeypatch, django_capture_on_commit_callbacks
):
    def build(user, filters):
        raise RuntimeError("disk full")

    monkeypatch.setitem(
        downloads._downloads, PII_EXPORT.key, dataclasses.replace(PII_EXPORT, build=build)
    )
    with pytest.raises(RuntimeError):
        _approve(lead, pending, django_capture_on_commit_callbacks)
    job = BackgroundJob.objects.get(subject=f"{PII_EXPORT.key}:{pending.pk}")
    assert (job.state, job.error, bool(job.file)) == ("failed", "RuntimeError", False)
    downloads.download_build(PII_EXPORT.key, pending.pk, job.pk)  # delivered again
    assert Notification.objects.filter(recipient=rm_a, text_code="job.failed").count() == 1
    # The download builds the file in the request, as before.
    data, _name = downloads.download_take(PII_EXPORT, rm_a, pending)
    assert load_workbook(io.BytesIO(data)).active.max_row >= 2


def test_a_download_before_the_build_ends_the_job_without_a_file(rm_a, lead, pending):
    approval_decide(lead, pending.approval_id, approve=True)  # the task has not run yet
    job = BackgroundJob.objects.get(subject=f"{PII_EXPORT.key}:{pending.pk}")
    assert job.state == "queued"
    downloads.download_take(PII_EXPORT, rm_a, pending)
    downloads.download_build(PII_EXPORT.key, pending.pk, job.pk)
    job.refresh_from_db()
    assert (job.state, bool(job.file)) == ("done", False)


def test_only_the_requester_sees_the_job_and_the_list_links_it(
    client, rm_a, rm_b, lead, pending, django_capture_on_commit_callbacks
):
    job = _approve(lead, pending, django_capture_on_commit_callbacks)
    job_url = reverse("core:job-detail", args=[job.pk])
    client.force_login(rm_a)
    page = client.get(reverse("customers:pii-export-list")).content.decode()
    assert f'href="{job_url}"' in page and "文件已就绪" in page  # the user's language
    assert client.get(job_url).status_code == 200
    assert downloads.export_jobs(PII_EXPORT, rm_b, [pending]) == {}
    client.force_login(rm_b)
    assert client.get(job_url).status_code == 404


def test_files_nobody_took_are_purged_after_the_window(
    lead, pending, django_capture_on_commit_callbacks
):
    job = _approve(lead, pending, django_capture_on_commit_callbacks)
    path = job.file.path
    assert downloads.export_files_purge() == 0 and os.path.exists(path)  # still in its window
    later = job.finished_at + PII_EXPORT.window + datetime.timedelta(minutes=1)
    assert downloads.export_files_purge(later) == 1
    job.refresh_from_db()
    assert not job.file and not os.path.exists(path)
