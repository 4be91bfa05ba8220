"""The daily escalation sweep (DESIGN §5.5): open warnings past their verification deadline."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.models import Team
from crm.audit.services import record_rows
from crm.calendar import BusinessCalendar
from crm.core.models import Notification
from customers.records.models import Customer

from ..models import DisposalStep, RiskWarning, WarningStatus
from ..workflow import WARNING_FLOW

ESCALATED = WarningStatus.ESCALATED.value


def warning_sweep(today: datetime.date | None = None, *, chunk: int = 20_000, stdout=None) -> int:
    """Escalate every open warning whose verification deadline has passed (set-based, chunked).

    Set-based on purpose: a bank-wide sweep can meet tens of thousands of overdue warnings, and
    Workflow.apply (one locked row, four statements) would take minutes for what four
    statements per chunk do in seconds. It still follows the one transitions table: the
    statuses it escalates from are WARNING_FLOW.sources_of(ESCALATED), its automatic escalate
    step is the move's history row, and its audit rows carry the workflow's action and the same
    before/after status as Workflow.apply writes.

    Per chunk of warning ids (locked, SKIP LOCKED on PostgreSQL, so two sweeps never take the
    same rows) INSERT … SELECT / UPDATE statements do the work in the database: one
    automatic escalate step per warning (owned by the owner's team lead, else the owner; a DB
    constraint keeps it to one), notifications to owner and lead (dedupe keys), and the status
    change. The audit rows are read in one query and written in one chained batch (the audit
    log's hash chain is computed with a key the database does not hold); a second run finds
    nothing.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    cal = BusinessCalendar.load(today, today + datetime.timedelta(days=30))
    due = cal.deadline(today, 1, working_days=True)
    title = _("Warning escalated: %(customer)s (verification overdue)")
    pre, _sep, post = title.partition("%(customer)s")
    url = reverse("compliance:warning-detail", args=[999999999])
    url_pre, _sep, url_post = url.partition("999999999")
    w_t = RiskWarning._meta.db_table
    u_t = get_user_model()._meta.db_table
    t_t = Team._meta.db_table
    c_t = Customer._meta.db_table
    s_t = DisposalStep._meta.db_table
    n_t = Notification._meta.db_table
    sources = WARNING_FLOW.sources_of(ESCALATED)
    marks = ", ".join(["%s"] * len(sources))
    joins = (
        f'FROM "{w_t}" w JOIN "{u_t}" u ON u.id = w.owner_id '
        f'LEFT JOIN "{t_t}" t ON t.id = u.team_id JOIN "{c_t}" c ON c.id = w.customer_id '
        f"WHERE w.status IN ({marks}) AND w.verify_by < %s AND w.id BETWEEN %s AND %s"
    )
    total = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            ids = list(
                RiskWarning.objects.filter(status__in=sources, verify_by__lt=today, pk__gt=last_pk)
                .order_by("pk")
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:chunk]
            )
            if not ids:
                break
            lo, hi = ids[0], ids[-1]
            last_pk = hi
            where = [*sources, today, lo, hi]
            with connection.cursor() as cur:
                cur.execute(
                    f'INSERT INTO "{s_t}" (warning_id, kind, owner_id, due_on, outcome, automatic, '
                    "created_at) SELECT w.id, 'escalate', COALESCE(t.lead_id, w.owner_id), %s, '', "
                    f"TRUE, %s {joins} ON CONFLICT DO NOTHING",
                    [due, now, *where],
                )
                note = (
                    "SELECT {who} AS recipient_id, %s || c.name || %s AS title, '' AS body, "
                    "%s || CAST(w.id AS TEXT) || %s AS url, %s AS created_at, "
                    "'warning-escalated:' || CAST(w.id AS TEXT) AS dedupe_key "
                )
                note_params = [pre, post, url_pre, url_post, now]
                cur.execute(
                    f'INSERT INTO "{n_t}" (recipient_id, title, body, url, created_at, dedupe_key) '  # noqa: S608 (model table names; values bound)
                    f"SELECT * FROM ({note.format(who='w.owner_id')} {joins} UNION ALL "
                    f"{note.format(who='t.lead_id')} {joins} "
                    "AND t.lead_id IS NOT NULL AND t.lead_id <> w.owner_id) AS x "
                    "WHERE true ON CONFLICT DO NOTHING",
                    [*note_params, *where, *note_params, *where],
                )
                # Audit rows go through the audit service, which chains them (crm.audit.chain):
                # the chunk's rows are read in one query and written in one batch.
                cur.execute(
                    f"SELECT w.id, SUBSTR(c.name, 1, 255), w.status {joins} ORDER BY w.id",  # noqa: S608 (model table names; values bound)
                    where,
                )
                audited = cur.fetchall()
                record_rows(
                    {
                        "at": now,
                        "actor_id": None,
                        "action": WARNING_FLOW.audit_action(ESCALATED),
                        "target_type": "compliance.riskwarning",
                        "target_id": str(pk),
                        "target_repr": name,
                        "before": {"status": status},
                        "after": {"status": ESCALATED},
                    }
                    for pk, name, status in audited
                )
                cur.execute(
                    f'UPDATE "{w_t}" SET status = %s, escalated_at = %s '  # noqa: S608 (model table names; values bound)
                    f"WHERE status IN ({marks}) AND verify_by < %s AND id BETWEEN %s AND %s",
                    [ESCALATED, now, *where],
                )
                changed = cur.rowcount
        total += changed
        if stdout:
            stdout.write(f"  escalated {total}")
    return total
