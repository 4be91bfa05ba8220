"""What-if analyses as long jobs (crm.core.jobs, issue 20 item 6): the page records the request
(job and outbox message in one transaction) and the worker computes the run, so a what-if over
the whole book never holds a web request; the bell tells the person who asked when it is done.

The computation itself stays one transaction (crm `tiering.services.policy_what_if`): the job
shows "running" while it works and the customers counted when it ends.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.core import jobs, outbox
from crm.core.models import BackgroundJob

from . import services
from .models import TierPolicy

JOB_KIND = "tiering.what_if"
# By name: tiering.tasks imports this module, not the other way round.
TASK = "tiering.tasks.what_if"


def _subject(policy: TierPolicy) -> str:
    return f"tier_policy:{policy.pk}"


def what_if_later(acting_user, policy: TierPolicy, as_of: datetime.date) -> BackgroundJob:
    """Record the what-if of `policy` on `as_of` for the background; returns its job."""
    require(acting_user, "tiering.view_tierpolicy", message=_("You may not run what-if analyses."))
    with transaction.atomic():
        job = jobs.job_create(
            acting_user,
            JOB_KIND,
            result_url=reverse("tiering:policy-whatif", args=[policy.pk]),
            subject=_subject(policy),
        )
        outbox.enqueue(TASK, policy.pk, as_of.isoformat(), job=job.pk)
    return job


def what_if_run(policy_pk: int, as_of: str, job_id: int) -> None:
    """The task's body. A job already ended (a second delivery) computes nothing; otherwise
    the what-if replaces the previous one of that policy and date, so a rerun changes nothing."""
    job = BackgroundJob.objects.filter(pk=job_id, kind=JOB_KIND).first()
    if job is None or not job.is_active:
        return
    jobs.job_progress(job_id, 0)
    try:
        policy = TierPolicy.objects.get(pk=policy_pk)
        user = get_user_model().objects.filter(pk=job.owner_id).first()
        run = services.policy_what_if(policy, datetime.date.fromisoformat(as_of), acting_user=user)
    except Exception as exc:
        jobs.job_finish(job_id, error=exc)
        raise
    jobs.job_progress(job_id, run.customers, run.customers)
    jobs.job_finish(job_id)


def what_if_job(user, policy: TierPolicy) -> BackgroundJob | None:
    """`user`'s latest what-if job of `policy` (the link on the what-if page)."""
    return (
        jobs.jobs_for(user).filter(kind=JOB_KIND, subject=_subject(policy)).order_by("-pk").first()
    )
