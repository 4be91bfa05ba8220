"""Raising warnings from signals (DESIGN §5.5), set-based.

A new warning is raised "open" (the start of compliance.workflow's table: raising creates a
row, it is not a move); an active one is upgraded in place when a new signal grades higher.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from crm.audit.services import record_many, record_rows
from crm.calendar import BusinessCalendar
from crm.core import outbox, planner
from customers.records.models import Customer

from ..models import GRADE_RANK, GradingRule, RiskSignal, RiskWarning, WarningStatus
from ..tasks import warning_followups
from ..workflow import WARNING_FLOW

CHUNK = 5000
OPEN = WarningStatus.OPEN.value
RELEASED = WarningStatus.RELEASED.value


def rules_table() -> dict[tuple[str, int], tuple[str, int]]:
    """(kind, severity) → (grade, verification working days), from the active rules."""
    return {
        (r.kind, r.severity): (r.grade, r.verification_days)
        for r in GradingRule.objects.filter(is_active=True)
    }


def _upgrade_existing(pending, rules, deadlines, max_before, acting_user) -> list[int]:
    """Active warnings that existed before this batch and whose new signals grade higher."""
    best: dict[tuple[int, str], tuple[int, str, int]] = {}
    for cid, kind, severity in pending.values_list("customer_id", "kind", "severity").iterator(
        chunk_size=CHUNK
    ):
        rule = rules.get((kind, severity))
        if rule is None:
            continue
        grade, days = rule
        rank = GRADE_RANK[grade]
        current = best.get((cid, kind))
        if current is None or (rank, -days) > (current[0], -current[2]):
            best[(cid, kind)] = (rank, grade, days)
    if not best or not max_before:
        return []
    customer_ids = sorted({cid for cid, _k in best})
    upgrades: dict[tuple[str, datetime.date], list[int]] = defaultdict(list)
    for start in range(0, len(customer_ids), CHUNK):
        rows = (
            RiskWarning.objects.active()
            .filter(
                customer_id__in=customer_ids[start : start + CHUNK],
                pk__lte=max_before,
            )
            .values_list("pk", "customer_id", "kind", "grade", "verify_by")
        )
        for pk, cid, kind, grade, verify_by in rows:
            new = best.get((cid, kind))
            if new and new[0] > GRADE_RANK[grade]:
                upgrades[(new[1], min(deadlines[new[2]], verify_by))].append(pk)
    upgraded: list[int] = []
    for (grade, verify_by), pks in upgrades.items():
        for start in range(0, len(pks), CHUNK):
            part = pks[start : start + CHUNK]
            RiskWarning.objects.filter(pk__in=part).update(grade=grade, verify_by=verify_by)
            record_many(
                acting_user,
                "warning.upgraded",
                RiskWarning.objects.filter(pk__in=part),
                after_of=lambda w: {"grade": w.grade, "verify_by": w.verify_by},
            )
        upgraded.extend(pks)
    return upgraded


GRADE_CASE = "CASE {col} WHEN 'red' THEN 4 WHEN 'orange' THEN 3 WHEN 'yellow' THEN 2 ELSE 1 END"


def _insert_new_warnings(signals_sql, signals_params, deadlines, today, now) -> list[int]:
    """One INSERT … SELECT: for each customer and kind among the signals without an active
    warning, the signal with the highest grade (then the shortest deadline) raises one."""
    w_t = RiskWarning._meta.db_table
    s_t = RiskSignal._meta.db_table
    r_t = GradingRule._meta.db_table
    c_t = Customer._meta.db_table
    case = " ".join("WHEN %s THEN %s" for _d in deadlines)
    case_params = [p for days, date in deadlines.items() for p in (days, date)]
    sql = (
        f'INSERT INTO "{w_t}" (customer_id, kind, grade, status, title, owner_id, raised_on, '  # noqa: S608 (model table names; values bound)
        "raised_at, verify_by, outcome) "
        "SELECT x.customer_id, x.kind, x.grade, %s, x.title, x.owner_id, %s, %s, x.verify_by, '' "
        "FROM (SELECT s.customer_id, s.kind, r.grade, SUBSTR(s.evidence, 1, 200) AS title, "
        f"c.owner_id, CASE r.verification_days {case} END AS verify_by, "
        "ROW_NUMBER() OVER (PARTITION BY s.customer_id, s.kind ORDER BY "
        f"{GRADE_CASE.format(col='r.grade')} DESC, r.verification_days, s.id) AS rn "
        f'FROM "{s_t}" s JOIN "{r_t}" r ON r.kind = s.kind AND r.severity = s.severity '
        f'AND r.is_active = %s JOIN "{c_t}" c ON c.id = s.customer_id '
        f"WHERE s.id IN ({signals_sql})) x "
        f'WHERE x.rn = 1 AND NOT EXISTS (SELECT 1 FROM "{w_t}" w2 WHERE '
        "w2.customer_id = x.customer_id AND w2.kind = x.kind AND w2.status <> %s) "
        "ON CONFLICT DO NOTHING RETURNING id"
    )
    with connection.cursor() as cur:
        cur.execute(
            sql,
            [OPEN, today, now, *case_params, True, *signals_params, RELEASED],
        )
        return sorted(row[0] for row in cur.fetchall())


def _audit_new_warnings(acting_user, first_id: int, now) -> None:
    # Read back in one query and written by the audit service, which chains the rows (a raw
    # INSERT … SELECT would write them past the audit log's hash chain).
    actor = acting_user.pk if acting_user is not None and acting_user.is_authenticated else None
    new = (
        RiskWarning.objects.filter(pk__gte=first_id, raised_at=now)
        .order_by("pk")
        .values_list("pk", "customer__name", "title", "grade", "kind", "verify_by")
    )
    record_rows(
        {
            "at": now,
            "actor_id": actor,
            "action": WARNING_FLOW.audit_action("raised"),
            "target_type": "compliance.riskwarning",
            "target_id": str(pk),
            "target_repr": f"{name} · {title}"[:255],
            "before": None,
            "after": {"grade": grade, "kind": kind, "verify_by": str(verify_by)},
        }
        for pk, name, title, grade, kind, verify_by in new.iterator(chunk_size=CHUNK)
    )


def warning_raise(signal_filter: Q, acting_user=None, *, today=None) -> list[int]:
    """Turn unlinked signals into warnings (set-based).

    Signals of one customer and kind collapse into one active warning: a new one is raised when
    none is active (one INSERT … SELECT with a window function), an active one is upgraded when
    the new grade is higher (with the shorter deadline). Grades and deadlines come from the
    grading rules; deadlines count working days (crm.calendar). Then every signal is linked to
    its warning with one correlated UPDATE. Visits and notifications for new and upgraded
    warnings are scheduled after commit (a Celery task).
    """
    today = today or timezone.localdate()
    now = timezone.now()
    rules = rules_table()
    created_ids: list[int] = []
    pending = RiskSignal.objects.filter(signal_filter, warning__isnull=True)
    if rules:
        cal = BusinessCalendar.load(today, today + datetime.timedelta(days=90))
        deadlines = {
            days: cal.deadline(today, days, working_days=True)
            for days in sorted({d for _g, d in rules.values()})
        }
        max_before = RiskWarning.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        try:
            sig_sql, sig_params = pending.values("pk").query.sql_with_params()
        except EmptyResultSet:
            return []
        with transaction.atomic():
            created_ids = _insert_new_warnings(sig_sql, sig_params, deadlines, today, now)
            planner.analyze_after_bulk(len(created_ids), RiskWarning)
            if created_ids:
                _audit_new_warnings(acting_user, created_ids[0], now)
            upgraded = _upgrade_existing(pending, rules, deadlines, max_before, acting_user)
            if created_ids or upgraded:
                # In this transaction (crm.core.outbox): the visits exist exactly when the
                # warnings do, whatever the broker's state.
                _enqueue_followups(created_ids + upgraded)
    _link_signals(pending)
    return created_ids


def _link_signals(pending) -> None:
    """Point each pending signal at its customer's active warning of the same kind: one
    UPDATE … FROM joined on the (customer, kind) index."""
    s_t = RiskSignal._meta.db_table
    w_t = RiskWarning._meta.db_table
    query = pending.query
    try:
        if len(query.alias_map) <= 1:
            # The filter only touches the signal table: apply it to the UPDATE's own rows.
            cond, params = query.get_compiler(connection=connection).compile(query.where)
        else:
            sub, params = pending.values("pk").query.sql_with_params()
            cond = f'"{s_t}".id IN ({sub})'
    except EmptyResultSet:
        return
    with connection.cursor() as cur:
        cur.execute(
            f'UPDATE "{s_t}" SET warning_id = w.id FROM "{w_t}" w '  # noqa: S608 (table names)
            f'WHERE w.customer_id = "{s_t}".customer_id AND w.kind = "{s_t}".kind '
            f"AND w.status <> %s AND ({cond})",
            [RELEASED, *params],
        )


def _enqueue_followups(warning_ids: list[int]) -> None:
    for start in range(0, len(warning_ids), 1000):
        outbox.enqueue(warning_followups, warning_ids[start : start + 1000])
