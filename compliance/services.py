"""Writes of the risk watch (DESIGN §5.5). One function per use case, atomic, audited.

Batch paths (import confirmation, warning raising, escalation sweep) are set-based: bulk inserts
in chunks, a correlated UPDATE to link signals, bulk audit rows and bulk notifications.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet, PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.access import is_read_only
from crm.accounts.models import Team
from crm.audit.models import AuditEntry
from crm.audit.services import record, record_many
from crm.calendar import BusinessCalendar
from crm.core import planner
from crm.core.approvals import request_approval
from crm.core.models import Notification
from crm.core.notifications import notify_many
from crm.core.setsql import insert_select
from customers.records.models import Customer, Holding
from customers.records.selectors import customers_for

from . import suitability
from .models import (
    GRADE_RANK,
    DisposalStep,
    Grade,
    GradingRule,
    MismatchRefresh,
    MismatchSnapshot,
    RiskSignal,
    RiskWarning,
    SignalSource,
    SuitabilityCheck,
    WatchListChange,
    WatchListEntry,
)
from .selectors import mismatching

CHUNK = 5000
WATCHLIST_KIND = "compliance.watchlist_change"
NOTIFY_GRADES = (Grade.RED, Grade.ORANGE)
OPEN_STATUSES = (RiskWarning.Status.OPEN, RiskWarning.Status.VERIFIED, RiskWarning.Status.ESCALATED)


def _require(user, perm: str) -> None:
    if is_read_only(user) or not user.has_perm(perm):
        raise PermissionDenied(_("You are not allowed to do this."))


def _in_book(user, customer: Customer) -> Customer:
    if not customers_for(user).filter(pk=customer.pk).exists():
        raise PermissionDenied(_("This customer is not in your book."))
    return customer


def rules_table() -> dict[tuple[str, int], tuple[str, int]]:
    """(kind, severity) → (grade, verification working days), from the active rules."""
    return {
        (r.kind, r.severity): (r.grade, r.verification_days)
        for r in GradingRule.objects.filter(is_active=True)
    }


def grade_for(kind: str, severity: int) -> tuple[str, int] | None:
    return rules_table().get((kind, int(severity)))


# ---- signals ----------------------------------------------------------------------------------


def record_signal(
    acting_user,
    *,
    customer: Customer,
    kind: str,
    severity: int,
    observed_on: datetime.date,
    evidence: str,
    value: Decimal | None = None,
    source_code: str = "manual",
    external_id: str = "",
) -> RiskSignal:
    """A signal entered by hand. The same record twice (same source and id) is refused."""
    from .importing import dedupe_key
    from .sources import SignalRecord

    _require(acting_user, "compliance.add_risksignal")
    _in_book(acting_user, customer)
    if observed_on > timezone.localdate():
        raise ValidationError({"observed_on": _("The date lies in the future.")})
    source = SignalSource.objects.get(code=source_code)
    rec = SignalRecord(0, customer.number, kind, observed_on, int(severity), evidence, external_id)
    key = dedupe_key(rec, customer.pk)
    with transaction.atomic():
        if RiskSignal.objects.filter(source=source, dedupe_key=key).exists():
            raise ValidationError(_("This signal has already been recorded."))
        signal = RiskSignal.objects.create(
            customer=customer,
            kind=kind,
            source=source,
            dedupe_key=key,
            observed_on=observed_on,
            severity=severity,
            evidence=evidence,
            value=value,
            created_by=acting_user,
        )
        record(
            acting_user,
            "compliance.signal_recorded",
            signal,
            after={"kind": kind, "severity": int(severity), "customer": customer.pk},
        )
        raise_warnings(Q(pk=signal.pk), acting_user)
    signal.refresh_from_db()
    return signal


def _build_signals(rows: list[dict], source, acting_user, batch=None) -> list[RiskSignal]:
    return [
        RiskSignal(
            customer_id=r["customer_id"],
            kind=r["kind"],
            source=source,
            dedupe_key=r["dedupe_key"],
            observed_on=datetime.date.fromisoformat(r["observed_on"]),
            severity=r["severity"],
            evidence=r["evidence"],
            value=Decimal(r["value"]) if r.get("value") else None,
            batch=batch,
            created_by=acting_user,
        )
        for r in rows
    ]


def ingest(source, acting_user) -> tuple[int, list[dict]]:
    """For trusted pushed/pulled feeds: validate and write in one step (no preview).
    Returns (signals created, errors)."""
    from .importing import validate

    _require(acting_user, "compliance.import_signals")
    result = validate(source, acting_user)
    src = SignalSource.objects.get(code=source.source_code)
    with transaction.atomic():
        before = timezone.now()
        signals = _build_signals(result.valid, src, acting_user)
        RiskSignal.objects.bulk_create(signals, batch_size=CHUNK, ignore_conflicts=True)
        keys = [r["dedupe_key"] for r in result.valid]
        created = RiskSignal.objects.filter(
            source=src, dedupe_key__in=keys, created_at__gte=before
        ).count()
        record(
            acting_user,
            "compliance.signals_ingested",
            src,
            after={"created": created, "errors": len(result.errors)},
        )
        raise_warnings(Q(source=src, dedupe_key__in=keys), acting_user)
    return created, result.errors


# ---- warnings ---------------------------------------------------------------------------------


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
        rows = RiskWarning.objects.filter(
            customer_id__in=customer_ids[start : start + CHUNK],
            status__in=OPEN_STATUSES,
            pk__lte=max_before,
        ).values_list("pk", "customer_id", "kind", "grade", "verify_by")
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
                "compliance.warning_upgraded",
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
        "SELECT x.customer_id, x.kind, x.grade, 'open', x.title, x.owner_id, %s, %s, x.verify_by, '' "
        "FROM (SELECT s.customer_id, s.kind, r.grade, SUBSTR(s.evidence, 1, 200) AS title, "
        f"c.owner_id, CASE r.verification_days {case} END AS verify_by, "
        "ROW_NUMBER() OVER (PARTITION BY s.customer_id, s.kind ORDER BY "
        f"{GRADE_CASE.format(col='r.grade')} DESC, r.verification_days, s.id) AS rn "
        f'FROM "{s_t}" s JOIN "{r_t}" r ON r.kind = s.kind AND r.severity = s.severity '
        f'AND r.is_active = %s JOIN "{c_t}" c ON c.id = s.customer_id '
        f"WHERE s.id IN ({signals_sql})) x "
        f'WHERE x.rn = 1 AND NOT EXISTS (SELECT 1 FROM "{w_t}" w2 WHERE '
        "w2.customer_id = x.customer_id AND w2.kind = x.kind AND w2.status <> 'released') "
        "ON CONFLICT DO NOTHING RETURNING id"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [today, now, *case_params, True, *signals_params])
        return sorted(row[0] for row in cur.fetchall())


def _audit_new_warnings(acting_user, first_id: int, now) -> None:
    w_t = RiskWarning._meta.db_table
    c_t = Customer._meta.db_table
    a_t = AuditEntry._meta.db_table
    build = "jsonb_build_object" if connection.vendor == "postgresql" else "json_object"
    actor = acting_user.pk if acting_user is not None and acting_user.is_authenticated else None
    with connection.cursor() as cur:
        cur.execute(
            f'INSERT INTO "{a_t}" ("at", actor_id, "action", target_type, target_id, target_repr, '  # noqa: S608 (model table names; values bound)
            'purpose, "before", "after") '
            "SELECT %s, %s, 'compliance.warning_raised', 'compliance.riskwarning', "
            "CAST(w.id AS TEXT), SUBSTR(c.name || ' · ' || w.title, 1, 255), '', NULL, "
            f"{build}('grade', w.grade, 'kind', w.kind, 'verify_by', CAST(w.verify_by AS TEXT)) "
            f'FROM "{w_t}" w JOIN "{c_t}" c ON c.id = w.customer_id '
            "WHERE w.id >= %s AND w.raised_at = %s",
            [now, actor, first_id, now],
        )


def raise_warnings(signal_filter: Q, acting_user=None, *, today=None) -> list[int]:
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
                follow = created_ids + upgraded
                transaction.on_commit(lambda: _schedule_followups(follow))
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
            f"AND w.status <> 'released' AND ({cond})",
            params,
        )


def _schedule_followups(warning_ids: list[int]) -> None:
    from .tasks import warning_followups

    for start in range(0, len(warning_ids), 1000):
        warning_followups.delay(warning_ids[start : start + 1000])


def schedule_followups(warning_ids: list[int]) -> int:
    """Visit tasks through the customers service (one bulk insert) and a notification for
    red/orange warnings (one bulk insert). Idempotent: both carry dedupe keys."""
    from customers.records.followups import schedule_warning_visits

    warnings = list(
        RiskWarning.objects.filter(pk__in=warning_ids, status__in=OPEN_STATUSES)
        .select_related("customer")
        .only("pk", "grade", "owner_id", "title", "verify_by", "customer_id", "customer__name")
    )
    schedule_warning_visits(
        {"customer_id": w.customer_id, "due_on": w.verify_by, "reference": f"W{w.pk}"}
        for w in warnings
    )
    notify_many(
        {
            "recipient_id": w.owner_id,
            "title": _("%(grade)s warning: %(customer)s")
            % {"grade": w.get_grade_display(), "customer": w.customer.name},
            "body": w.title,
            "url": reverse("compliance:warning", args=[w.pk]),
            "dedupe_key": f"warning-raised:{w.pk}:{w.grade}",
        }
        for w in warnings
        if w.grade in NOTIFY_GRADES
    )
    return len(warnings)


def _check_step_owner(acting_user, warning: RiskWarning, owner) -> None:
    if owner is None or not owner.is_active:
        raise ValidationError({"owner": _("Choose an active staff member.")})


def add_step(
    acting_user, warning: RiskWarning, *, kind: str, owner, due_on: datetime.date, outcome=""
) -> DisposalStep:
    """Plan a disposal step; with an outcome it is recorded as done at once."""
    _require(acting_user, "compliance.dispose_riskwarning")
    _in_book(acting_user, warning.customer)
    _check_step_owner(acting_user, warning, owner)
    if not warning.is_active:
        raise ValidationError(_("This warning has been released."))
    if kind not in DisposalStep.Kind.values:
        raise ValidationError({"kind": _("Unknown step.")})
    with transaction.atomic():
        step = DisposalStep.objects.create(
            warning=warning, kind=kind, owner=owner, due_on=due_on, created_by=acting_user
        )
        record(
            acting_user,
            "compliance.step_planned",
            warning,
            after={"step": step.pk, "kind": kind, "owner": owner.pk, "due_on": due_on},
        )
        if outcome and outcome.strip():
            step = complete_step(acting_user, step, outcome=outcome)
    return step


def complete_step(acting_user, step: DisposalStep, *, outcome: str) -> DisposalStep:
    """Record a step's outcome. Verify marks the warning verified; release closes it."""
    _require(acting_user, "compliance.dispose_riskwarning")
    if not outcome or not outcome.strip():
        raise ValidationError({"outcome": _("Please record the outcome.")})
    with transaction.atomic():
        step = DisposalStep.objects.select_for_update().select_related("warning").get(pk=step.pk)
        warning = RiskWarning.objects.select_for_update().get(pk=step.warning_id)
        _in_book(acting_user, warning.customer)
        if step.done_at is not None:
            raise ValidationError(_("This step has already been recorded."))
        if not warning.is_active:
            raise ValidationError(_("This warning has been released."))
        now = timezone.now()
        step.outcome = outcome.strip()
        step.done_at = now
        step.save(update_fields=["outcome", "done_at"])
        before = {"status": warning.status}
        fields = []
        if step.kind == DisposalStep.Kind.VERIFY and warning.verified_at is None:
            warning.verified_at = now
            warning.status = RiskWarning.Status.VERIFIED
            fields += ["verified_at", "status"]
        elif step.kind == DisposalStep.Kind.RELEASE:
            warning.status = RiskWarning.Status.RELEASED
            warning.released_at = now
            warning.outcome = step.outcome
            fields += ["status", "released_at", "outcome"]
        if fields:
            warning.save(update_fields=fields)
        record(
            acting_user,
            "compliance.step_done",
            warning,
            purpose=step.outcome,
            before=before,
            after={"status": warning.status, "step": step.pk, "kind": step.kind},
        )
    return step


def _json_param(value: str) -> str:
    return "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"


def sweep_warnings(today: datetime.date | None = None, *, chunk: int = 20_000, stdout=None) -> int:
    """Escalate every open warning whose verification deadline has passed (set-based, chunked).

    Per chunk of warning ids (locked, SKIP LOCKED on PostgreSQL, so two sweeps never take the
    same rows) four INSERT … SELECT / UPDATE statements do the work in the database: one
    automatic escalate step per warning (owned by the owner's team lead, else the owner; a DB
    constraint keeps it to one), notifications to owner and lead (dedupe keys), audit rows,
    and the status change. Nothing is done per warning in Python; a second run finds nothing.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    cal = BusinessCalendar.load(today, today + datetime.timedelta(days=30))
    due = cal.deadline(today, 1, working_days=True)
    title = _("Warning escalated: %(customer)s (verification overdue)")
    pre, _sep, post = title.partition("%(customer)s")
    url = reverse("compliance:warning", args=[999999999])
    url_pre, _sep, url_post = url.partition("999999999")
    w_t = RiskWarning._meta.db_table
    u_t = get_user_model()._meta.db_table
    t_t = Team._meta.db_table
    c_t = Customer._meta.db_table
    s_t = DisposalStep._meta.db_table
    n_t = Notification._meta.db_table
    a_t = AuditEntry._meta.db_table
    joins = (
        f'FROM "{w_t}" w JOIN "{u_t}" u ON u.id = w.owner_id '
        f'LEFT JOIN "{t_t}" t ON t.id = u.team_id JOIN "{c_t}" c ON c.id = w.customer_id '
        "WHERE w.status = 'open' AND w.verify_by < %s AND w.id BETWEEN %s AND %s"
    )
    total = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            ids = list(
                RiskWarning.objects.filter(
                    status=RiskWarning.Status.OPEN, verify_by__lt=today, pk__gt=last_pk
                )
                .order_by("pk")
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:chunk]
            )
            if not ids:
                break
            lo, hi = ids[0], ids[-1]
            last_pk = hi
            where = [today, lo, hi]
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
                cur.execute(
                    f'INSERT INTO "{a_t}" ("at", actor_id, "action", target_type, target_id, '
                    'target_repr, purpose, "before", "after") '
                    "SELECT %s, NULL, 'compliance.warning_escalated', 'compliance.riskwarning', "
                    f"CAST(w.id AS TEXT), SUBSTR(c.name, 1, 255), '', {_json_param('')}, "
                    f"{_json_param('')} {joins}",
                    [now, '{"status": "open"}', '{"status": "escalated"}', *where],
                )
                cur.execute(
                    f"UPDATE \"{w_t}\" SET status = 'escalated', escalated_at = %s "  # noqa: S608 (model table names; values bound)
                    "WHERE status = 'open' AND verify_by < %s AND id BETWEEN %s AND %s",
                    [now, *where],
                )
                changed = cur.rowcount
        total += changed
        if stdout:
            stdout.write(f"  escalated {total}")
    return total


def move_open_work(old_owner_id: int, moves: dict[int, object], acting_user, *, reason: str) -> int:
    """Move active warnings and open steps owned by `old_owner_id` on these customers
    (customer_id → new owner) to the new owner. One UPDATE pair per new owner; audited."""
    by_owner: dict[int, list[int]] = defaultdict(list)
    users = {}
    for customer_id, user in moves.items():
        by_owner[user.pk].append(customer_id)
        users[user.pk] = user
    moved = 0
    for new_id, customer_ids in by_owner.items():
        for start in range(0, len(customer_ids), CHUNK):
            chunk = customer_ids[start : start + CHUNK]
            warnings = RiskWarning.objects.filter(
                owner_id=old_owner_id, customer_id__in=chunk, status__in=OPEN_STATUSES
            )
            pks = list(warnings.values_list("pk", flat=True))
            n = warnings.update(owner_id=new_id)
            steps = DisposalStep.objects.filter(
                owner_id=old_owner_id, warning__customer_id__in=chunk, done_at__isnull=True
            ).update(owner_id=new_id)
            moved += n
            if n or steps:
                record(
                    acting_user,
                    "compliance.warnings_reassigned",
                    users[new_id],
                    purpose=reason,
                    before={"owner": old_owner_id},
                    after={"owner": new_id, "warnings": pks[:500], "steps": steps},
                )
    return moved


def on_customer_reassigned(sender, *, customer, old_owner_id, new_owner, acting_user, **kwargs):
    move_open_work(old_owner_id, {customer.pk: new_owner}, acting_user, reason="reassignment")


def on_staff_handover(sender, *, departing_user, successor_for, acting_user, **kwargs):
    move_open_work(departing_user.pk, successor_for, acting_user, reason="handover")


# ---- watch list -------------------------------------------------------------------------------


def request_watchlist_change(
    acting_user, customer: Customer, *, action: str, reason: str, review_on=None
) -> WatchListChange:
    """Propose adding, changing or removing (action "") a customer's watch-list entry; a second
    person applies it by approving."""
    from .models import WatchAction

    _require(acting_user, "compliance.request_watchlist_change")
    _in_book(acting_user, customer)
    if action and action not in WatchAction.values:
        raise ValidationError({"action": _("Unknown action.")})
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Please give a reason for this request.")})
    current = WatchListEntry.objects.filter(customer=customer).first()
    if action and (review_on is None or review_on <= timezone.localdate()):
        raise ValidationError({"review_on": _("The review date must lie in the future.")})
    if not action and current is None:
        raise ValidationError(_("The customer is not on the watch list."))
    if current and current.action == action and current.review_on == review_on:
        raise ValidationError(_("Nothing would change."))
    if WatchListChange.objects.filter(customer=customer, status="pending").exists():
        raise ValidationError(_("A change for this customer is already waiting for approval."))
    before = current.action if current else ""
    with transaction.atomic():
        approval = request_approval(
            acting_user,
            WATCHLIST_KIND,
            summary=_("Watch list: %(customer)s %(before)s → %(after)s")
            % {
                "customer": customer.name,
                "before": before or "—",
                "after": action or _("remove"),
            },
            reason=reason,
            target=customer,
            payload={
                "customer": customer.pk,
                "before": before,
                "after": action,
                "review_on": review_on.isoformat() if review_on else None,
            },
        )
        return WatchListChange.objects.create(
            customer=customer,
            action_before=before,
            action_after=action,
            reason=reason.strip(),
            review_on=review_on,
            approval=approval,
            requested_by=acting_user,
        )


def on_watchlist_approved(approval, acting_user) -> None:
    """Approval callback (inside the decision's transaction): apply the change, audited."""
    change = WatchListChange.objects.select_for_update().get(approval=approval)
    entry = WatchListEntry.objects.filter(customer_id=change.customer_id).first()
    before = (
        {"action": entry.action, "review_on": entry.review_on, "reason": entry.reason}
        if entry
        else None
    )
    if change.action_after:
        WatchListEntry.objects.update_or_create(
            customer_id=change.customer_id,
            defaults={
                "action": change.action_after,
                "reason": change.reason,
                "review_on": change.review_on,
            },
        )
        after = {"action": change.action_after, "review_on": change.review_on}
    else:
        WatchListEntry.objects.filter(customer_id=change.customer_id).delete()
        after = None
    change.status = WatchListChange.Status.APPLIED
    change.decided_by = acting_user
    change.decided_at = timezone.now()
    change.save(update_fields=["status", "decided_by", "decided_at"])
    record(
        acting_user,
        "compliance.watchlist_changed",
        change.customer,
        purpose=change.reason,
        before=before,
        after=after,
    )


def on_watchlist_rejected(approval, acting_user) -> None:
    WatchListChange.objects.filter(approval=approval).update(
        status=WatchListChange.Status.REJECTED, decided_by=acting_user, decided_at=timezone.now()
    )


# ---- suitability ------------------------------------------------------------------------------


def record_suitability_check(
    acting_user, customer: Customer, product, *, confirm: bool = False, note: str = ""
) -> SuitabilityCheck:
    """Record a pre-sale check; where the rules ask for it, with the customer's confirmation."""
    _require(acting_user, "compliance.add_suitabilitycheck")
    _in_book(acting_user, customer)
    result = suitability.check(customer, product)
    if confirm and result.needs_confirmation and not note.strip():
        raise ValidationError({"note": _("Please describe how the customer confirmed.")})
    confirmed = bool(confirm and result.allowed and result.needs_confirmation)
    with transaction.atomic():
        check = SuitabilityCheck.objects.create(
            customer=customer,
            product=product,
            checked_by=acting_user,
            allowed=result.allowed,
            needs_confirmation=result.needs_confirmation,
            confirmed=confirmed,
            confirmation_note=note.strip() if confirmed else "",
            risk_class=result.risk_class,
            risk_level=result.risk_level,
            reasons=result.as_json(),
        )
        record(
            acting_user,
            "compliance.suitability_checked",
            check,
            purpose=check.confirmation_note,
            after={
                "customer": customer.pk,
                "product": product.pk,
                "allowed": result.allowed,
                "confirmed": confirmed,
                "reasons": [r.code for r in result.reasons],
            },
        )
    return check


def refresh_mismatch_snapshot() -> MismatchRefresh:
    """Rebuild the suitability-mismatch snapshot the dashboard counts (daily, beat).

    Set-based in one transaction: one DELETE, one INSERT … SELECT grouping the mismatching
    holdings (selectors.mismatching, the live report's condition) by customer, and the run row
    with the bank-wide totals. Readers keep the previous snapshot until it commits."""
    per_customer = mismatching(Holding.objects.all()).values("customer_id")
    with transaction.atomic():
        MismatchSnapshot.objects.all().delete()
        insert_select(
            MismatchSnapshot,
            {
                "customer": F("customer_id"),
                "owner": F("customer__owner_id"),
                "team": F("customer__team_id"),
                "branch": F("customer__branch_id"),
                "holdings": Count("pk"),
            },
            per_customer,
        )
        totals = MismatchSnapshot.objects.aggregate(
            customers=Count("pk"), holdings=Coalesce(Sum("holdings"), 0)
        )
        return MismatchRefresh.objects.create(**totals)
