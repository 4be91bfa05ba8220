"""The daily follow-up sweep: create due tasks, then deliver reminders exactly once.

`run_sweep(day)` is what beat (customers.contacts.tasks.daily_followup_sweep) and
`manage.py run_followups` call. Every step is set-based and idempotent:

1. cadence gaps and event triggers → tasks (customers.contacts.cadence, dedupe keys);
2. in-app reminders: the notification rows and their ReminderDelivery rows are inserted in ONE
   transaction (INSERT … SELECT … ON CONFLICT DO NOTHING), so a rerun adds nothing and a crash
   leaves either both or neither;
3. e-mail reminders: ReminderDelivery rows are created first (status pending, unique on
   task/channel/day), then one digest e-mail per recipient is sent by a Celery task that claims
   that recipient's unsent rows ("sending", committed), sends, and records "sent" or "failed".
   A failure is recorded on the rows (attempts, last error) and retried with backoff; a rerun
   of the sweep re-queues whatever is still pending or failed, so nothing is lost.

The one window no database can close: the process dies after the claim and before the outcome
is recorded (perhaps after the SMTP server accepted the message). Delivery is at most once, so
such rows are never re-sent automatically: the sweep marks them "unknown" after
EMAIL_SENDING_TIMEOUT_SECONDS and reports them; the in-app reminder of the same task was
delivered anyway, and a person decides in admin (Message-ID in hand) whether to re-queue.
"""

from __future__ import annotations

import datetime
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import make_msgid
from django.core.mail.utils import DNS_NAME
from django.db import connection, transaction
from django.db.models import (
    CharField,
    DateField,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Concat, JSONObject, Substr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from crm.calendar import BusinessCalendar
from crm.core import planner
from crm.core.models import Notification
from crm.core.setsql import insert_select
from customers.contacts import cadence, texts
from customers.contacts.models import ReminderDelivery
from customers.records.models import FollowUpTask

log = logging.getLogger(__name__)
EMAIL = ReminderDelivery.ChannelKind.EMAIL
IN_APP = ReminderDelivery.ChannelKind.IN_APP


@dataclass
class SweepResult:
    day: datetime.date
    tasks: cadence.SweepCounts = field(default_factory=cadence.SweepCounts)
    notifications: int = 0
    emails_claimed: int = 0
    email_recipients: int = 0
    emails_unknown: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        data = asdict(self)
        data["day"] = self.day.isoformat()
        data["tasks_created"] = self.tasks.total
        return data


def reminder_tasks(day: datetime.date):
    """Open tasks that get a reminder on `day`: due soon, due today, just overdue."""
    days = [day + datetime.timedelta(days=k) for k in cadence.option("REMINDER_OFFSETS")]
    return FollowUpTask.objects.filter(
        status=FollowUpTask.Status.OPEN, due_on__in=days, owner__is_active=True
    )


def _customer_url_parts() -> tuple[str, str]:
    marker = "987654321"
    prefix, suffix = reverse("customers:customer-detail", args=[int(marker)]).split(marker)
    return prefix, suffix


def deliver_in_app(day: datetime.date, now) -> int:
    already = ReminderDelivery.objects.filter(task=OuterRef("pk"), channel=IN_APP, day=day)
    due = reminder_tasks(day)
    tasks = due.filter(~Exists(already))
    prefix, suffix = _customer_url_parts()
    with transaction.atomic():
        sent = insert_select(
            Notification,
            {
                "recipient": F("owner_id"),
                "title": texts.stored_sql(texts.REMINDER, task=Substr(F("title"), 1, 180)),
                "body": texts.stored_sql(
                    texts.REMINDER,
                    body=True,
                    customer=F("customer__name"),
                    due=Cast("due_on", CharField()),
                ),
                "text_code": Value(texts.REMINDER),
                # The task's own title is a stored text too: the reader sees it translated.
                "text_params": JSONObject(
                    task=Substr(F("title"), 1, 180),
                    task_code=F("text_code"),
                    task_params=Cast("text_params", TextField()),
                    customer=F("customer__name"),
                    due=Cast("due_on", CharField()),
                ),
                "url": Concat(
                    Value(prefix),
                    Cast("customer_id", CharField()),
                    Value(suffix),
                    output_field=CharField(),
                ),
                "created_at": Value(now, output_field=DateTimeField()),
                "dedupe_key": Concat(
                    Value("followup-reminder:"),
                    Cast("pk", CharField()),
                    Value(f":{day.isoformat()}"),
                    output_field=CharField(),
                ),
            },
            tasks,
        )
        insert_select(
            ReminderDelivery,
            {
                "task": F("pk"),
                "channel": Value(IN_APP.value),
                "day": Value(day, output_field=DateField()),
                "recipient": F("owner_id"),
                "status": Value(ReminderDelivery.Status.SENT.value),
                "attempts": Value(1),
                "last_error": Value(""),
                "message_id": Value(""),
                "created_at": Value(now, output_field=DateTimeField()),
                "sent_at": Value(now, output_field=DateTimeField()),
            },
            # The unique (task, channel, day) skips the rows just created above; no anti-join on
            # the table being inserted into.
            due,
        )
    return sent


def claim_emails(day: datetime.date, now) -> int:
    """Create the (task, e-mail, day) rows for owners with an address; sending comes after."""
    tasks = reminder_tasks(day).exclude(owner__email="")
    return insert_select(
        ReminderDelivery,
        {
            "task": F("pk"),
            "channel": Value(EMAIL.value),
            "day": Value(day, output_field=DateField()),
            "recipient": F("owner_id"),
            "status": Value(ReminderDelivery.Status.PENDING.value),
            "attempts": Value(0),
            "last_error": Value(""),
            "message_id": Value(""),
            "created_at": Value(now, output_field=DateTimeField()),
        },
        tasks,
    )


def unsent_email_recipients(day: datetime.date) -> list[int]:
    return list(
        ReminderDelivery.objects.filter(
            day=day,
            channel=EMAIL,
            status__in=[ReminderDelivery.Status.PENDING, ReminderDelivery.Status.FAILED],
            attempts__lt=cadence.option("EMAIL_MAX_RETRIES") + 1,
        )
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )


def _run_group(jobs, label: str) -> int:
    """One group of statements in one transaction on this thread's own connection."""
    began = time.monotonic()
    try:
        with transaction.atomic():
            created = sum(job() for job in jobs)
        log.info("follow-up sweep: %s: %s tasks in %.1fs", label, created, time.monotonic() - began)
        return created
    finally:
        connection.close()


def _concurrently(groups: dict[str, list], workers: int) -> dict[str, int]:
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="followup-sweep") as pool:
        futures = {label: pool.submit(_run_group, jobs, label) for label, jobs in groups.items()}
        return {label: future.result() for label, future in futures.items()}


def create_tasks(day: datetime.date, cal, now) -> cadence.SweepCounts:
    """Cadence gaps, then event triggers. On PostgreSQL outside a transaction the statements
    run on SWEEP_WORKERS connections at once (one INSERT … SELECT uses one core; a backlog of
    ~900k tasks is CPU-bound), each group committing on its own: a crash leaves whole groups,
    and the rerun's dedupe keys and unique indexes skip what exists."""
    workers = cadence.option("SWEEP_WORKERS")
    counts = cadence.SweepCounts()
    # First, in a transaction of its own: the open tasks of rules that no longer apply give way,
    # so the cadence inserts below can give each customer its current rule's task.
    with transaction.atomic():
        counts.superseded = cadence.supersede_cadence_tasks(now)
    if workers <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        with transaction.atomic():
            counts.cadence = cadence.create_cadence_tasks(day, cal, now)
        with transaction.atomic():
            events = cadence.create_event_tasks(day, cal, now)
        for name in ("maturity", "kyc_renewal", "id_expiry", "birthday"):
            setattr(counts, name, getattr(events, name))
        return counts
    groups = cadence.cadence_jobs(day, cal, now)
    done = _concurrently({f"cadence {i + 1}": g for i, g in enumerate(groups)}, workers)
    counts.cadence = sum(done.values())
    # After the cadence groups: an event statement selects customers of every group.
    events = cadence.event_jobs(day, cal, now)
    for name, created in _concurrently({n: [job] for n, job in events.items()}, workers).items():
        setattr(counts, name, created)
    return counts


def run_sweep(day: datetime.date | None = None, *, send) -> SweepResult:
    """The whole daily job. `send(recipient_id, day)` queues one digest (the beat task passes
    customers.contacts.tasks.queue_digest; this module does not import the tasks, which import
    it)."""
    began = time.monotonic()
    day = day or timezone.localdate()
    now = timezone.now()
    result = SweepResult(day=day)
    cal = BusinessCalendar.load(
        day - datetime.timedelta(days=40), day + datetime.timedelta(days=80)
    )
    result.tasks = create_tasks(day, cal, now)
    # Before the reminder steps and My day read the new tasks: plans made on "empty table"
    # statistics scan the backlog per row.
    planner.analyze_after_bulk(result.tasks.total, FollowUpTask)
    result.notifications = deliver_in_app(day, now)
    result.emails_unknown = mark_lost_emails(now)
    result.emails_claimed = claim_emails(day, now)
    recipients = unsent_email_recipients(day)
    result.email_recipients = len(recipients)
    for user_id in recipients:
        send(user_id, day)
    result.seconds = time.monotonic() - began
    log.info("follow-up sweep %s", result.as_dict())
    return result


def mark_lost_emails(now) -> int:
    """E-mail rows still "sending" long after their claim: the process died between claiming
    and recording the outcome, so the digest may or may not have been accepted. They are marked
    "unknown" (never re-sent by themselves: delivery is at most once) and logged; a person checks
    the Message-ID in the mail server's log and re-queues them in admin if it never left."""
    stale = now - datetime.timedelta(seconds=cadence.option("EMAIL_SENDING_TIMEOUT_SECONDS"))
    lost = ReminderDelivery.objects.filter(
        channel=EMAIL, status=ReminderDelivery.Status.SENDING, claimed_at__lt=stale
    ).update(
        status=ReminderDelivery.Status.UNKNOWN,
        last_error="interrupted after the send started; check the mail server log",
    )
    if lost:
        log.warning("%s e-mail reminders interrupted mid-send, marked unknown", lost)
    return lost


def _claim(user_id: int, day: datetime.date) -> tuple[list[ReminderDelivery], str]:
    """Claim the recipient's unsent rows of `day` for one send attempt, in a transaction that
    commits before the SMTP session starts (a second worker skips them from then on)."""
    with transaction.atomic():
        rows = list(
            ReminderDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                recipient_id=user_id,
                day=day,
                channel=EMAIL,
                status__in=[ReminderDelivery.Status.PENDING, ReminderDelivery.Status.FAILED],
                attempts__lt=cadence.option("EMAIL_MAX_RETRIES") + 1,
            )
            .select_related("task", "task__customer")
            .order_by("task__due_on", "task_id")
        )
        closed = [r.pk for r in rows if r.task.status != FollowUpTask.Status.OPEN]
        if closed:
            # Done before its digest went out: nothing to remind of, and not left "pending"
            # for ever in admin (the sweep re-queues pending rows of the day).
            ReminderDelivery.objects.filter(pk__in=closed).update(
                status=ReminderDelivery.Status.SKIPPED
            )
        rows = [r for r in rows if r.task.status == FollowUpTask.Status.OPEN]
        if not rows:
            return [], ""
        message_id = make_msgid(domain=DNS_NAME)
        ReminderDelivery.objects.filter(pk__in=[r.pk for r in rows]).update(
            status=ReminderDelivery.Status.SENDING,
            claimed_at=timezone.now(),
            message_id=message_id,
            attempts=F("attempts") + 1,
            last_error="",
        )
    return rows, message_id


def send_digest(user_id: int, day: datetime.date) -> int:
    """Send one recipient's unsent e-mail reminders of `day` as one message, at most once.

    1. claim: the rows become "sending" with a fresh Message-ID (committed);
    2. send the digest (SMTP session bounded by EMAIL_SMTP_TIMEOUT_SECONDS);
    3. record the outcome: "sent", or "failed" with the error, and the exception propagates
       (the Celery task retries with backoff; a failed row is claimed again).
    A crash between 1 and 3 leaves the rows "sending": nobody sends them again blindly
    (mark_lost_emails() turns them "unknown" for a person). Returns the number sent.
    """
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return 0
    rows, message_id = _claim(user_id, day)
    if not rows:
        return 0
    claimed = ReminderDelivery.objects.filter(
        pk__in=[r.pk for r in rows], status=ReminderDelivery.Status.SENDING
    )
    try:
        _send(user, day, rows, message_id)
    except Exception as exc:
        # The server refused or the connection failed: nothing was accepted, so retry later.
        claimed.update(
            status=ReminderDelivery.Status.FAILED,
            last_error=f"{type(exc).__name__}: {exc}"[:1000],
        )
        raise
    claimed.update(status=ReminderDelivery.Status.SENT, sent_at=timezone.now())
    return len(rows)


def _send(user, day, rows, message_id: str) -> None:
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"user": user, "day": day, "rows": rows, "site": settings.FIDUCIA_TITLE}
        subject = render_to_string("customers/followups/email_subject.txt", context).strip()
        body = render_to_string("customers/followups/email_body.txt", context)
    connection = get_connection(timeout=cadence.option("EMAIL_SMTP_TIMEOUT_SECONDS"))
    EmailMessage(
        subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
        headers={"Message-ID": message_id},
        connection=connection,
    ).send(fail_silently=False)
