"""Follow-up API that other apps call (complaints → satisfaction call, compliance → visit).

Stable interface for the upper apps; the follow-ups issue builds cadence, reminders and the UI
around it.
"""

import json
from collections.abc import Iterable
from datetime import date

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from crm.calendar import deadline
from crm.core import texts
from customers.records.models import Customer, FollowUpReason, FollowUpTask
from customers.records.texts import SATISFACTION_CALL, WARNING_VISIT


def schedule_follow_up(
    *,
    customer: Customer,
    reason: str,
    due_on: date,
    title: str = "",
    dedupe_key: str | None = None,
    owner=None,
    notes: str = "",
    code: str = "",
    params: dict | None = None,
) -> FollowUpTask:
    """Create an open task for the customer's RM (or `owner`). Idempotent per `dedupe_key`.
    A generated title is `code` and `params` (crm.core.texts): each reader sees it in their
    language; `title` then defaults to the default-language text."""
    if dedupe_key:
        existing = FollowUpTask.objects.filter(dedupe_key=dedupe_key).first()
        if existing:
            return existing
    try:
        with transaction.atomic():
            return FollowUpTask.objects.create(
                customer=customer,
                owner=owner or customer.owner,
                reason=reason,
                due_on=due_on,
                title=(title or texts.stored(code, params))[:200],
                text_code=code,
                text_params=params or None,
                dedupe_key=dedupe_key,
                notes=notes,
            )
    except IntegrityError:
        return FollowUpTask.objects.get(dedupe_key=dedupe_key)


def schedule_satisfaction_call(
    *, customer: Customer, closed_on: date, reference: str, working_days: int = 3
) -> FollowUpTask:
    """Complaint closed → satisfaction call within 3 working days (DESIGN §5.2)."""
    return schedule_follow_up(
        customer=customer,
        reason=FollowUpReason.COMPLAINT_SATISFACTION,
        due_on=deadline(closed_on, working_days, working_days=True),
        code=SATISFACTION_CALL,
        params={"reference": reference},
        dedupe_key=f"complaint-satisfaction:{reference}",
    )


def warning_visit_key(reference: str) -> str:
    return f"risk-warning-visit:{reference}"


def schedule_warning_visits(items: Iterable[dict], *, batch_size: int = 1000) -> int:
    """Risk warnings raised → a visit each within its verification deadline (DESIGN §5.2).

    `items` are dicts with customer_id, due_on and reference (the warning's). Set-based: per
    batch one INSERT … SELECT from the items (a VALUES list) joined to the customers, so the
    owner is the customer's RM as the database has it, and the dedupe key
    `risk-warning-visit:<reference>` skips tasks that already exist (ON CONFLICT DO NOTHING):
    reruns and overlapping batches add nothing. Returns how many tasks were created."""
    rows = [
        (
            item["customer_id"],
            item["due_on"],
            texts.stored(WARNING_VISIT, {"reference": item["reference"]})[:200],
            warning_visit_key(item["reference"]),
            json.dumps({"reference": item["reference"]}),
        )
        for item in items
    ]
    quote = connection.ops.quote_name
    task_t = quote(FollowUpTask._meta.db_table)
    customer_t = quote(Customer._meta.db_table)
    now = timezone.now()
    created = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            part = rows[start : start + batch_size]
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(part))
            # The parameters travel as JSON text; PostgreSQL casts them to jsonb.
            params = (
                "CAST(v.column5 AS jsonb)" if connection.vendor == "postgresql" else "v.column5"
            )
            # VALUES columns are column1… on both PostgreSQL and SQLite; the WHERE lets SQLite
            # parse INSERT … SELECT … ON CONFLICT.
            cursor.execute(
                f"INSERT INTO {task_t} (customer_id, owner_id, title, reason, due_on, status, "  # noqa: S608 (model table names; values bound)
                "notes, skip_reason, dedupe_key, created_at, text_code, text_params) "
                "SELECT c.id, c.owner_id, v.column3, %s, v.column2, %s, '', '', v.column4, %s, "
                f"%s, {params} "
                f"FROM (VALUES {values}) AS v JOIN {customer_t} c ON c.id = v.column1 "
                "WHERE true ON CONFLICT DO NOTHING",
                [
                    FollowUpReason.RISK_WARNING,
                    FollowUpTask.Status.OPEN,
                    now,
                    WARNING_VISIT,
                    *(value for row in part for value in row),
                ],
            )
            created += max(cursor.rowcount, 0)
    return created
