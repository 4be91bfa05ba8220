"""Long jobs (statement runs, …): one record of their progress, polled by a page, and one
notification (the bell) to whoever started them when they end.

An app registers a `JobKind`, creates the job in the request (`job_create`, in the same
transaction as the outbox message that runs it) and passes its id to the task, which reports
`job_progress` per chunk and `job_finish` at the end. Every call is safe to repeat: progress
after the end is ignored, and the end notifies once however often the task runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .access import access_in
from .models import BackgroundJob
from .notifications import notification_send
from .texts import Text

State = BackgroundJob.State
DONE_TEXT = "job.done"
FAILED_TEXT = "job.failed"


@dataclass(frozen=True)
class JobKind:
    key: str
    label: str  # lazy: "Statement generation"


_kinds: dict[str, JobKind] = {}
# The labels the notification texts show the kind with, in the reader's language.
_labels: dict[str, dict] = {}

# Registered by CoreConfig.ready() like every app's texts.
TEXTS = (
    Text(
        DONE_TEXT,
        _("Finished: %(kind)s"),
        body=_("%(done)s of %(total)s processed."),
        choices={"kind": _labels},
    ),
    Text(
        FAILED_TEXT,
        _("Failed: %(kind)s"),
        body=_("The job stopped after %(done)s of %(total)s; what it finished is kept."),
        choices={"kind": _labels},
    ),
)


def register_job_kind(kind: JobKind) -> None:
    _kinds[kind.key] = kind
    _labels[kind.key] = kind.label


def job_kind_label(key: str) -> str:
    kind = _kinds.get(key)
    return str(kind.label) if kind else key


def job_create(
    owner, kind: str, *, total: int = 0, result_url: str = "", subject: str = ""
) -> BackgroundJob:
    if kind not in _kinds:
        raise ValueError(f"unregistered job kind {kind!r}")
    return BackgroundJob.objects.create(
        owner=owner, kind=kind, total=total, result_url=result_url, subject=subject
    )


def job_progress(job_id: int | None, done: int, total: int | None = None) -> None:
    """Record progress (one UPDATE). A job already ended keeps its final figures."""
    if job_id is None:
        return
    fields = {"done": done, "state": State.RUNNING}
    if total is not None:
        fields["total"] = total
    BackgroundJob.objects.filter(pk=job_id, state__in=(State.QUEUED, State.RUNNING)).update(
        **fields
    )
    BackgroundJob.objects.filter(pk=job_id, started_at__isnull=True).update(
        started_at=timezone.now()
    )


def job_finish(job_id: int | None, *, error: BaseException | None = None) -> None:
    """End the job (done, or failed with the exception's class name) and notify its owner,
    once: the notified_at guard is claimed in the same transaction as the notification."""
    if job_id is None:
        return
    now = timezone.now()
    with transaction.atomic():
        job = BackgroundJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.notified_at is not None:
            return
        job.state = State.FAILED if error is not None else State.DONE
        job.error = type(error).__name__[:200] if error is not None else ""
        job.finished_at = now
        job.started_at = job.started_at or now
        if error is None:
            job.done = max(job.done, job.total)
        job.notified_at = now
        job.save(
            update_fields=["state", "error", "finished_at", "started_at", "done", "notified_at"]
        )
        if job.owner_id is not None:
            notification_send(
                job.owner,
                code=FAILED_TEXT if error is not None else DONE_TEXT,
                params={"kind": job.kind, "done": job.done, "total": job.total},
                url=reverse("core:job-detail", args=[job.pk]),
                dedupe_key=f"job:{job.pk}",
            )


def jobs_for(user) -> QuerySet[BackgroundJob]:
    """The jobs `user` started (only they follow them)."""
    return BackgroundJob.objects.filter(owner=user)


def access_job(user, pk) -> BackgroundJob:
    return access_in(jobs_for(user), pk)
