"""Approved downloads: an export someone asks for, a second person approves, and the requester
downloads once within a window (DESIGN §5.1 PII export, §5.5 audit-log export).

An app describes its export once as a `DownloadKind` (the adapter: model, permissions, how to
build the file from the saved filters, texts and URL names) and registers it with
`register_download`; this module owns the flow (request → four-eyes → download once, audited as
`<audit_entity>.downloaded`) and, with crm.core.views.transfers and
templates/core/download*.html, the pages. So both exports refuse the same things with the same
messages.

The app's model has: approval (one-to-one), `requested_by`, `filters`, `available_until`,
`downloaded_at`.

Approval also starts the file's build as a long job (crm.core.jobs) of the requester's: the
bell tells them when it is ready, and the file waits encrypted until the one download, which
deletes it. A download before the job has finished (a worker that is behind) builds the file
in the request as before, and the job then ends without building it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record
from crm.crypto import decrypt_bytes, encrypt_bytes

from . import jobs, outbox
from .access import access_in
from .approvals import ApprovalKind, Deciders, approval_request, register_kind
from .models import BackgroundJob

# The job kind of every export's build (registered by CoreConfig.ready()), and its task.
JOB_KIND = "export"
BUILD_TASK = "crm.core.tasks.build_export"


@dataclass(frozen=True)
class DownloadKind:
    key: str  # the approval kind
    label: str
    model: type[models.Model]
    permissions: tuple[str, ...]  # needed to request, list and download
    approver_permission: str
    deciders: Deciders  # who may approve (crm.core.approvals.Deciders)
    audit_entity: str  # audit action "<audit_entity>.downloaded"
    # The user's own export requests (their `<entity>s_for(user)`).
    exports_for: Callable[[object], QuerySet]
    # (requesting user, saved filters) → (file bytes, file name), in the user's current scope.
    build: Callable[[object, dict], tuple[bytes, str]]
    summary: str  # approval summary, "%(user)s" is the requester
    window: datetime.timedelta
    # Pages: the URL names "<url_name>-request" (the form), "-list" and "-download"; texts.
    url_name: str
    request_title: str
    request_intro: str
    no_filters: str  # what an empty filter means ("your whole book")
    list_title: str
    form_class: type
    nav_template: str = ""
    # saved filters → the filters as they may be kept (in the export row, the approval payload
    # and its audit row): e.g. a searched ID number replaced by its keyed-hash token.
    clean_filters: Callable[[dict], dict] | None = None

    def url(self, page: str) -> str:
        return f"{self.url_name}-{page}"


_downloads: dict[str, DownloadKind] = {}


def register_download(kind: DownloadKind) -> None:
    """Register the approval kind; approving it opens the download window and starts the
    file's build."""
    _downloads[kind.key] = kind
    register_kind(
        ApprovalKind(
            kind.key,
            kind.label,
            kind.approver_permission,
            on_approved=lambda approval, acting_user: _approved(kind, approval),
            deciders=kind.deciders,
        )
    )


def _approved(kind: DownloadKind, approval) -> None:
    open_window(kind.model, approval, kind.window)
    export = kind.model.objects.filter(approval=approval).first()
    if export is not None and export.requested_by_id is not None:
        download_build_later(kind, export)


def _subject(kind: DownloadKind, export) -> str:
    return f"{kind.key}:{export.pk}"


def download_build_later(kind: DownloadKind, export) -> BackgroundJob:
    """The build of an approved export as a job of its requester's, run after the approval
    commits (crm.core.outbox, in the caller's transaction)."""
    job = jobs.job_create(
        export.requested_by,
        JOB_KIND,
        total=1,
        result_url=reverse(kind.url("list")),
        subject=_subject(kind, export),
    )
    outbox.enqueue(BUILD_TASK, kind.key, export.pk, job=job.pk)
    return job


def download_build(key: str, export_pk: int, job_id: int) -> None:
    """The task's body: build the file in the requester's current scope and keep it encrypted
    for the one download. Safe to repeat: an ended job, or a file already built, is not built
    again; an export already downloaded or out of its window ends the job without a file."""
    kind = _downloads[key]
    job = BackgroundJob.objects.filter(pk=job_id, kind=JOB_KIND).first()
    if job is None or not job.is_active:
        return
    export = kind.model.objects.filter(pk=export_pk).select_related("requested_by").first()
    usable = (
        export is not None
        and export.downloaded_at is None
        and export.available_until is not None
        and export.available_until > timezone.now()
    )
    if usable and not job.file:
        jobs.job_progress(job_id, 0, 1)
        try:
            data, name = kind.build(export.requested_by, export.filters)
            job.file.save(f"job-{job.pk}.bin", ContentFile(encrypt_bytes(data)), save=False)
            job.file_name = name[:200]
            job.save(update_fields=["file", "file_name"])
        except Exception as exc:
            jobs.job_finish(job_id, error=exc)
            raise
    jobs.job_finish(job_id)


def export_files_purge(now=None) -> int:
    """Delete the built files nobody took: a build ends after its approval opened the window,
    so a file older than the longest window is past its download (hourly, beat)."""
    now = now or timezone.now()
    longest = max((k.window for k in _downloads.values()), default=datetime.timedelta(days=1))
    stale = list(
        BackgroundJob.objects.filter(kind=JOB_KIND, finished_at__lt=now - longest)
        .exclude(file="")
        .values_list("pk", "file")
    )
    storage = BackgroundJob._meta.get_field("file").storage
    for _pk, name in stale:
        storage.delete(name)
    BackgroundJob.objects.filter(pk__in=[pk for pk, _name in stale]).update(file="")
    return len(stale)


def export_jobs(kind: DownloadKind, user, exports) -> dict[int, BackgroundJob]:
    """The latest build job of each of `user`'s `exports` (one query), by export id."""
    subjects = {_subject(kind, e): e.pk for e in exports}
    found = jobs.jobs_for(user).filter(kind=JOB_KIND, subject__in=subjects).order_by("pk")
    return {subjects[job.subject]: job for job in found}


def _take_built(kind: DownloadKind, export) -> tuple[bytes, str] | None:
    """The file the job built, if it is ready; its stored copy is deleted after the commit."""
    job = (
        BackgroundJob.objects.select_for_update()
        .filter(kind=JOB_KIND, subject=_subject(kind, export), owner=export.requested_by_id)
        .exclude(file="")
        .order_by("-pk")
        .first()
    )
    if job is None:
        return None
    with job.file.open("rb") as fh:
        data = decrypt_bytes(fh.read())
    stored, name = job.file.name, job.file_name
    storage = job.file.storage
    job.file = ""
    job.save(update_fields=["file"])
    transaction.on_commit(lambda: storage.delete(stored))
    return data, name


def access_download(kind: DownloadKind, user, pk, *, for_write: bool = False):
    """One of the user's own export requests, or NotFound (someone else's is "missing")."""
    if for_write:
        # Lock the export row only, not the approval it is joined to.
        return access_in(kind.exports_for(user).select_for_update(of=("self",)), pk)
    return access_in(kind.exports_for(user), pk)


def download_request(kind: DownloadKind, acting_user, filters: dict, *, reason: str):
    """The approval request and the pending export, in one transaction."""
    require(acting_user, *kind.permissions)
    if kind.clean_filters is not None:
        filters = kind.clean_filters(filters)
    with transaction.atomic():
        approval = approval_request(
            acting_user,
            kind.key,
            summary=kind.summary % {"user": acting_user},
            reason=reason,
            payload={"filters": filters},
        )
        return kind.model.objects.create(
            approval=approval, requested_by=acting_user, filters=filters
        )


def open_window(model: type[models.Model], approval, window: datetime.timedelta) -> None:
    """Approval callback (inside the decision's transaction): the download may start now."""
    model.objects.filter(approval=approval).update(available_until=timezone.now() + window)


def download_take(kind: DownloadKind, acting_user, export) -> tuple[bytes, str]:
    """Claim the one download of an approved export of `acting_user`'s, build the file and
    audit it in the same transaction; a second claim, an unapproved or an expired one is
    refused. The file re-applies the saved filters in the requester's *current* scope: an
    approval never widens it."""
    require(acting_user, *kind.permissions)
    with transaction.atomic():
        export = access_download(kind, acting_user, export.pk, for_write=True)
        if export.available_until is None:
            raise ValidationError(_("This export has not been approved."))
        if export.downloaded_at is not None:
            raise ValidationError(_("This export has already been downloaded."))
        if export.available_until <= timezone.now():
            raise ValidationError(_("The download window for this export has closed."))
        export.downloaded_at = timezone.now()
        export.save(update_fields=["downloaded_at"])
        record(
            acting_user,
            f"{kind.audit_entity}.downloaded",
            export,
            purpose=export.approval.reason,
            after={"filters": export.filters, "approval": export.approval_id},
        )
        built = _take_built(kind, export)
        if built is not None:
            return built
        # Built inside the claim: if building fails, the one download is not used up.
        return kind.build(acting_user, export.filters)
