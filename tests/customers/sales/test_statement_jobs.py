"""Statement runs as long jobs (issue 20 item 6): the page starts a job, the task moves its
progress chunk by chunk, and its owner is notified through the bell exactly once, even when
the task runs twice or fails."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from crm.core import jobs
from crm.core.models import BackgroundJob, Notification
from customers.sales.services import statements
from customers.sales.tasks import generate_statements
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db
OCT = datetime.date(2026, 10, 1)


def test_the_page_starts_a_job_and_the_bell_says_when_it_is_done(
    client, lead, django_capture_on_commit_callbacks
):
    InstitutionFactory.create_batch(3, owner=lead)
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("customers:statement-generate"),
            {"kind": "monthly", "period_start": "2026-10-01"},
        )
    assert response.status_code == 302
    job = BackgroundJob.objects.get(owner=lead)
    assert (job.kind, job.state, job.done, job.total) == ("statements", "done", 3, 3)
    assert job.result_url == reverse("customers:statement-list")
    note = Notification.objects.get(recipient=lead)
    assert note.url == reverse("core:job-detail", args=[job.pk])
    with translation.override("zh-hans"):
        assert note.title_text == "已完成：对账单生成" and note.body_text == "已处理 3 / 3。"
    with translation.override("en"):
        assert note.title_text == "Finished: Statement generation"

    # The outbox delivers the task again: nothing new is written, nobody is notified twice.
    generate_statements.apply(args=["monthly", OCT.isoformat()], kwargs={"job": job.pk}).get()
    assert Notification.objects.filter(recipient=lead).count() == 1
    job.refresh_from_db()
    assert (job.state, job.done) == ("done", 3)


def test_progress_moves_chunk_by_chunk(lead, monkeypatch):
    InstitutionFactory.create_batch(3, owner=lead)
    job = jobs.job_create(lead, statements.JOB_KIND)
    seen = []
    original = jobs.job_progress

    def spy(job_id, done, total=None):
        original(job_id, done, total)
        row = BackgroundJob.objects.get(pk=job_id)
        seen.append((row.state, row.done, row.total))

    monkeypatch.setattr(jobs, "job_progress", spy)
    statements.statements_generate("monthly", OCT, chunk=1, job_id=job.pk)
    assert seen == [("running", 0, 3), ("running", 1, 3), ("running", 2, 3), ("running", 3, 3)]
    job.refresh_from_db()
    assert job.state == "done" and job.started_at and job.finished_at


def test_a_failed_run_is_reported_once_and_keeps_what_it_did(lead, monkeypatch):
    InstitutionFactory.create_batch(2, owner=lead)
    job = jobs.job_create(lead, statements.JOB_KIND)
    calls = {"n": 0}
    real = statements.render_pdf

    def second_fails(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("printer on fire 110105194912310021")
        return real(*args, **kwargs)

    monkeypatch.setattr(statements, "render_pdf", second_fails)
    for _ in range(2):
        with pytest.raises(RuntimeError):
            statements.statements_generate("monthly", OCT, chunk=1, job_id=job.pk)
        calls["n"] = 1  # the rerun fails on its first customer
    job.refresh_from_db()
    assert (job.state, job.done, job.error) == ("failed", 1, "RuntimeError")
    note = Notification.objects.get(recipient=lead)
    assert "110105" not in note.title + note.body
    with translation.override("en"):
        assert note.title_text == "Failed: Statement generation"
