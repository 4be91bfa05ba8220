"""Feed use cases (issue 16 item 1): receive a file, load it, release or reject a held run, pick
up the inbox, purge old files. The REST API's feed upload calls `feed_receive` too.

States: received → loaded | held | failed; held → (release) received → loaded, or → rejected;
a loaded run becomes "replaced" when a corrected file for the same kind and date loads.
"""

import datetime
import logging
import tempfile

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record
from crm.core import outbox
from crm.core.config import fiducia

from ..signals import feed_loaded
from . import loading, reading
from .models import FeedKind, FeedRun

log = logging.getLogger(__name__)
INBOX = "inbox"
RELEASE_PERMISSION = "customers.release_feedrun"
# By name: tasks.py wraps these services, so it may not be imported from here.
LOAD_TASK = "customers.records.feeds.tasks.load_feed"


def inbox_path(kind: str, business_date: datetime.date, filename: str) -> str:
    return f"{INBOX}/{kind}/{business_date:%Y-%m-%d}/{filename}"


def _clean_name(filename: str) -> str:
    name = (filename or "feed.csv").replace("\\", "/").rsplit("/", 1)[-1].strip() or "feed.csv"
    return name[:150]


def feed_receive(
    *, kind: str, business_date: datetime.date, filename: str, content, acting_user=None
) -> FeedRun:
    """Store a feed file in the inbox and record its run, queued for loading (after commit).

    `content`: bytes or a binary file. The same file again (same kind, date and checksum)
    changes nothing and returns the first run with `duplicate = True`, also when two arrive at
    the same moment. Audited when a person (or an API client's user) sends it."""
    if kind not in FeedKind.values:
        raise ValidationError(_("Unknown feed kind: %(kind)s.") % {"kind": kind})
    if isinstance(business_date, str):
        try:
            business_date = datetime.date.fromisoformat(business_date)
        except ValueError:
            raise ValidationError(_("The business date must be YYYY-MM-DD.")) from None
    name = _clean_name(filename)
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
        if isinstance(content, bytes | bytearray):
            spool.write(content)
        else:
            while chunk := content.read(reading.CHUNK):
                spool.write(chunk)
        spool.seek(0)
        digest, size = reading.checksum(spool)
        existing = FeedRun.objects.filter(kind=kind, business_date=business_date, checksum=digest)
        if run := existing.first():
            run.duplicate = True
            return run
        spool.seek(0)
        path = reading.storage().save(inbox_path(kind, business_date, name), File(spool))
    return _record_run(kind, business_date, name, path, digest, size, acting_user)


def _record_run(kind, business_date, name, path, digest, size, acting_user) -> FeedRun:
    try:
        with transaction.atomic():
            run = FeedRun.objects.create(
                kind=kind,
                business_date=business_date,
                checksum=digest,
                filename=name,
                storage_path=path,
                size=size,
                received_by=acting_user
                if getattr(acting_user, "is_authenticated", False)
                else None,
            )
            record(
                acting_user,
                "feed_run.received",
                run,
                after={"kind": kind, "business_date": business_date.isoformat(), "bytes": size},
            )
            outbox.enqueue(LOAD_TASK, run.pk)
    except IntegrityError:
        # The same file arrived twice at once: the other copy is the run; this one is dropped
        # (unless the inbox pickup recorded this very file meanwhile).
        run = FeedRun.objects.get(kind=kind, business_date=business_date, checksum=digest)
        if run.storage_path != path:
            reading.storage().delete(path)
        run.duplicate = True
        return run
    run.duplicate = False
    return run


def _lock(run_id: int) -> FeedRun | None:
    qs = FeedRun.objects.filter(pk=run_id)
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    return qs.first()


def feed_load(run_id: int, *, progress=None) -> FeedRun:
    """Load a received run: stream, check, merge, recompute AUM (holdings), in one transaction.

    Idempotent by state: only a "received" run is loaded, and its row stays locked while it is,
    so a second worker skips it. A crash or a kill part-way rolls everything back; the run is
    still "received" and the next pickup loads it. A run a person released loads its good rows
    whatever the share of bad ones."""
    with transaction.atomic():
        run = _lock(run_id)
        if run is None or run.state != FeedRun.State.RECEIVED:
            return run or FeedRun.objects.get(pk=run_id)
        if (
            run.kind == FeedKind.HOLDINGS
            and FeedRun.objects.filter(
                kind=FeedKind.HOLDINGS,
                state=FeedRun.State.LOADED,
                business_date__gt=run.business_date,
            ).exists()
        ):
            return _finish(
                run,
                FeedRun.State.FAILED,
                message=_("A newer holdings snapshot is already loaded; this older one was not."),
            )
        run.started_at = timezone.now()
        try:
            with transaction.atomic():
                outcome = loading.load(
                    run, allow_bad=run.released_by_id is not None, progress=progress
                )
                _replace_earlier(run)
        except loading.Held as held:
            return _finish(run, FeedRun.State.HELD, outcome=held.outcome)
        except ValidationError as exc:
            return _finish(run, FeedRun.State.FAILED, message=" ".join(exc.messages))
        except Exception as exc:
            # Not the text: a database error may quote row data.
            log.exception("feed run %s failed", run.pk)
            return _finish(run, FeedRun.State.FAILED, message=type(exc).__name__)
        run = _finish(run, FeedRun.State.LOADED, outcome=outcome)
        feed_loaded.send(sender=FeedRun, run=run)
    return run


def _replace_earlier(run: FeedRun) -> None:
    FeedRun.objects.filter(
        kind=run.kind, business_date=run.business_date, state=FeedRun.State.LOADED
    ).exclude(pk=run.pk).update(state=FeedRun.State.REPLACED)


def _finish(run: FeedRun, state: str, *, outcome=None, message: str = "") -> FeedRun:
    before = run.state
    run.state = state
    run.message = message[:500]
    run.finished_at = timezone.now()
    run.started_at = run.started_at or run.finished_at
    if outcome is not None:
        run.rows = outcome.rows
        run.rejected = outcome.bad
        run.loaded = outcome.good if state == FeedRun.State.LOADED else 0
        run.unknown_customers = outcome.unknown_customers
        run.errors = outcome.errors
    run.save()
    record(
        None,
        f"feed_run.{state}",
        run,
        before={"state": before},
        after={
            "state": state,
            "rows": run.rows,
            "loaded": run.loaded,
            "rejected": run.rejected,
            "unknown_customers": run.unknown_customers,
        },
    )
    return run


def feed_release(run: FeedRun, *, acting_user) -> FeedRun:
    """A person releases a held run: its good rows load (queued), its bad rows stay reported.
    Audited in the same transaction."""
    require(acting_user, RELEASE_PERMISSION)
    with transaction.atomic():
        run = FeedRun.objects.select_for_update().get(pk=run.pk)
        if run.state != FeedRun.State.HELD:
            raise ValidationError(_("Only a held feed run can be released."))
        run.state = FeedRun.State.RECEIVED
        run.released_by = acting_user
        run.released_at = timezone.now()
        run.decided_by = acting_user
        run.save(update_fields=["state", "released_by", "released_at", "decided_by"])
        record(
            acting_user,
            "feed_run.released",
            run,
            before={"state": FeedRun.State.HELD.value},
            after={"state": run.state, "rows": run.rows, "rejected": run.rejected},
        )
        outbox.enqueue(LOAD_TASK, run.pk)
    return run


def feed_reject(run: FeedRun, *, acting_user, reason: str = "") -> FeedRun:
    """A person rejects a held run: nothing of it loads. Audited in the same transaction."""
    require(acting_user, RELEASE_PERMISSION)
    with transaction.atomic():
        run = FeedRun.objects.select_for_update().get(pk=run.pk)
        if run.state != FeedRun.State.HELD:
            raise ValidationError(_("Only a held feed run can be rejected."))
        run.state = FeedRun.State.REJECTED
        run.decided_by = acting_user
        run.message = reason[:500]
        run.save(update_fields=["state", "decided_by", "message"])
        record(
            acting_user,
            "feed_run.rejected",
            run,
            purpose=reason[:500],
            before={"state": FeedRun.State.HELD.value},
            after={"state": run.state},
        )
    return run


def inbox_scan() -> list[FeedRun]:
    """Record a run for each file in inbox/<kind>/<YYYY-MM-DD>/ that has none yet (beat).
    A file already recorded (by path) is skipped; the same content under another name is a
    duplicate of its first run and changes nothing."""
    storage = reading.storage()
    known = set(FeedRun.objects.values_list("storage_path", flat=True).iterator())
    runs = []
    for kind in FeedKind.values:
        base = f"{INBOX}/{kind}"
        try:  # not exists(): an object store has no folders, only names with this prefix
            days = storage.listdir(base)[0]
        except FileNotFoundError:
            continue
        for day_name in days:
            try:
                day = datetime.date.fromisoformat(day_name)
            except ValueError:
                log.warning("inbox folder %s/%s is not a date: skipped", base, day_name)
                continue
            for file_name in storage.listdir(f"{base}/{day_name}")[1]:
                path = f"{base}/{day_name}/{file_name}"
                if path in known or not file_name.lower().endswith(".csv"):
                    continue
                with storage.open(path, "rb") as source:
                    digest, size = reading.checksum(source)
                if FeedRun.objects.filter(kind=kind, business_date=day, checksum=digest).exists():
                    continue
                runs.append(_record_run(kind, day, file_name, path, digest, size, None))
    return runs


def inbox_purge(now: datetime.datetime | None = None) -> int:
    """Delete feed files of finished runs received more than RETENTION_DAYS ago; the runs
    (checksums, counts, error reports) stay."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=fiducia("FEEDS", "RETENTION_DAYS"))
    storage = reading.storage()
    old = (
        FeedRun.objects.filter(received_at__lt=cutoff)
        .exclude(state__in=[FeedRun.State.RECEIVED, FeedRun.State.HELD])
        .exclude(storage_path="")
    )
    purged = 0
    for run in old.only("pk", "storage_path").iterator():
        storage.delete(run.storage_path)
        FeedRun.objects.filter(pk=run.pk).update(storage_path="")
        purged += 1
    return purged


def feed_runs_pending() -> list[int]:
    return list(
        FeedRun.objects.filter(state=FeedRun.State.RECEIVED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
