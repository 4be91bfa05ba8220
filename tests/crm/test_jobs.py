"""The long-job page (crm.core.jobs): only its owner sees it, it polls every 2 s while the job
runs and stops when it ends, and works as a full page without JavaScript."""

import pytest
from django.urls import reverse

from crm.core import jobs
from crm.core.models import Notification

pytestmark = pytest.mark.django_db
KIND = "statements"  # registered by the customers app


def test_the_owner_follows_progress_and_others_get_404(client, rm, rm_b):
    job = jobs.job_create(rm, KIND, result_url="/customers/sales/statements/")
    jobs.job_progress(job.pk, 40, 100)
    url = reverse("core:job-detail", args=[job.pk])
    client.force_login(rm)
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "40%" in fragment
    assert "<html" not in fragment
    page = client.get(url).content.decode()
    assert "<html" in page and "40%" in page
    client.force_login(rm_b)
    assert client.get(url).status_code == 404
    assert client.get(reverse("core:job-detail", args=[10**30])).status_code == 404

    jobs.job_finish(job.pk)
    client.force_login(rm)
    done = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done and "100%" in done and "job-result" in done


def test_finish_notifies_once_and_progress_after_the_end_is_ignored(rm):
    job = jobs.job_create(rm, KIND)
    jobs.job_progress(job.pk, 5, 10)
    jobs.job_finish(job.pk)
    jobs.job_finish(job.pk)
    jobs.job_finish(job.pk, error=RuntimeError())
    jobs.job_progress(job.pk, 1, 10)
    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.error) == ("done", 10, 10, "")
    assert Notification.objects.filter(recipient=rm).count() == 1


def test_unknown_kinds_are_refused(rm):
    with pytest.raises(ValueError):
        jobs.job_create(rm, "mystery")


def test_my_jobs_page_lists_mine_or_says_what_appears_there(client, rm, rm_b):
    client.force_login(rm)
    empty = client.get(reverse("core:job-list")).content.decode()
    assert "empty-state" in empty
    jobs.job_create(rm, KIND)
    jobs.job_create(rm_b, KIND)
    listed = client.get(reverse("core:job-list")).content.decode()
    assert listed.count('class="job"') == 1
