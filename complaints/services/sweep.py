"""The daily deadline sweep: warnings before a deadline, breach escalation after it."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from crm.accounts import roles
from crm.core.notifications import notifications_send

from ..models import CLOCK_STATES, Complaint, SlaProfile
from ..texts import BREACH, DUE_SOON

SWEEP_CHUNK = 2000


def _compliance_officers():
    return list(
        get_user_model()
        .objects.filter(groups__name=roles.COMPLIANCE_OFFICER, is_active=True)
        .distinct()
    )


def complaints_sweep_deadlines(today=None, stdout=None) -> dict:
    """Warn before and escalate after a breach, each notice once per (complaint, deadline).

    Set-based: one UPDATE marks breaches; the due ones are found with one query per profile
    (warnings) and one for breaches; markers (warned_for / escalated_for = due_on) are set with
    UPDATEs, so a second run finds nothing. Notifications carry dedupe keys as a second guard.
    """

    today = today or timezone.localdate()
    base = Complaint.objects.filter(state__in=CLOCK_STATES, paused=False)
    result = {"breached": 0, "escalated": 0, "warned": 0}
    result["breached"] = base.filter(due_on__lt=today, breached=False).update(breached=True)
    users = {u.pk: u for u in _compliance_officers()}
    officers = list(users.values())

    def _recipients(row):
        pk = row["handler_id"] or row["logged_by_id"]
        return pk

    overdue = list(
        base.filter(due_on__lt=today)
        .filter(Q(escalated_for__isnull=True) | ~Q(escalated_for=F("due_on")))
        .values("pk", "reference", "due_on", "handler_id", "logged_by_id")
    )
    warn_rows = []
    for profile in SlaProfile.objects.all():
        warn_rows += list(
            base.filter(
                profile=profile,
                due_on__gte=today,
                due_on__lte=today + datetime.timedelta(days=profile.warning_days),
            )
            .filter(Q(warned_for__isnull=True) | ~Q(warned_for=F("due_on")))
            .values("pk", "reference", "due_on", "handler_id", "logged_by_id")
        )

    officer_ids = [u.pk for u in officers]

    def _send(rows, *, kind, code, marker, extra_recipients, counter):
        """Notify chunk by chunk; each chunk's notices and markers commit together."""
        for start in range(0, len(rows), SWEEP_CHUNK):
            chunk = rows[start : start + SWEEP_CHUNK]
            items = []
            for row in chunk:
                params = {"ref": row["reference"], "due": row["due_on"].isoformat()}
                url = reverse("complaints:complaint-detail", args=[row["pk"]])
                key = f"complaint:{row['pk']}:{kind}:{row['due_on']:%Y%m%d}"
                items += [
                    {
                        "recipient_id": user_id,
                        "code": code,
                        "params": params,
                        "url": url,
                        "dedupe_key": key,
                    }
                    for user_id in {_recipients(row), *extra_recipients}
                ]
            with transaction.atomic():
                notifications_send(items)
                _mark(chunk, marker)
            result[counter] += len(chunk)
            if stdout:
                stdout.write(f"  {counter} {result[counter]}/{len(rows)}")

    _send(
        overdue,
        kind="breach",
        code=BREACH,
        marker="escalated_for",
        extra_recipients=officer_ids,
        counter="escalated",
    )
    _send(
        warn_rows,
        kind="warn",
        code=DUE_SOON,
        marker="warned_for",
        extra_recipients=(),
        counter="warned",
    )
    return result


def _mark(rows, field) -> None:
    """Set the marker to each row's due date: one UPDATE per distinct due date in the chunk."""
    by_due: dict = {}
    for row in rows:
        by_due.setdefault(row["due_on"], []).append(row["pk"])
    for due, pks in by_due.items():
        Complaint.objects.filter(pk__in=pks).update(**{field: due})
