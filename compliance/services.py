"""Writes of the risk watch (DESIGN §5.5). One function per use case, atomic, audited.

Batch paths (import confirmation, warning raising, escalation sweep) are set-based: bulk inserts
in chunks, a correlated UPDATE to link signals, bulk audit rows and bulk notifications.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.access import is_read_only
from crm.audit.models import AuditEntry
from crm.audit.services import record
from crm.calendar import BusinessCalendar
from crm.core.approvals import request_approval
from crm.core.notifications import notify_many
from customers.models import Customer
from customers.selectors import customers_for

from . import suitability
from .models import (
    GRADE_RANK,
    AuditExport,
    DisposalStep,
    Grade,
    GradingRule,
    RiskSignal,
    RiskWarning,
    SignalImport,
    SignalSource,
    SuitabilityCheck,
    WatchListChange,
    WatchListEntry,
)

CHUNK = 5000
WATCHLIST_KIND = "compliance.watchlist_change"
AUDIT_EXPORT_KIND = "compliance.audit_export"
AUDIT_EXPORT_WINDOW = datetime.timedelta(hours=24)
AUDIT_EXPORT_MAX_ROWS = 100_000
NOTIFY_GRADES = (Grade.RED, Grade.ORANGE)
OPEN_STATUSES = (RiskWarning.Status.OPEN, RiskWarning.Status.VERIFIED, RiskWarning.Status.ESCALATED)


def _require(user, perm: str) -> None:
    if is_read_only(user) or not user.has_perm(perm):
        raise PermissionDenied(_("You are not allowed to do this."))


def _in_book(user, customer: Customer) -> Customer:
    if not customers_for(user).filter(pk=customer.pk).exists():
        raise PermissionDenied(_("This customer is not in your book."))
    return customer


def _audit_bulk(actor, action: str, objects, after_of) -> None:
    """Audit rows for a batch (one INSERT per 2000 rows) instead of one record() per object."""
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    rows = [
        AuditEntry(
            actor_id=actor_id,
            action=action,
            target_type=obj._meta.label_lower,
            target_id=str(obj.pk),
            target_repr=str(obj)[:255],
            after=after_of(obj),
        )
        for obj in objects
    ]
    AuditEntry.objects.bulk_create(rows, batch_size=2000)


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


def stage_import(acting_user, upload, *, source_code: str = "file") -> SignalImport:
    """Validate every row of an uploaded CSV/XLSX and keep the result for a preview."""
    from .importing import validate
    from .sources import FileSource

    _require(acting_user, "compliance.import_signals")
    source = FileSource(upload, source_code=source_code)
    result = validate(source, acting_user)
    import hashlib

    with transaction.atomic():
        staged = SignalImport.objects.create(
            created_by=acting_user,
            source=SignalSource.objects.get(code=source_code),
            file_name=upload.name[:200],
            file_sha256=hashlib.sha256(source.data).hexdigest(),
            total_rows=result.total,
            valid_rows=result.valid,
            existing_rows=result.existing,
            errors=result.errors,
        )
        record(
            acting_user,
            "compliance.signal_import_staged",
            staged,
            after={
                "rows": result.total,
                "valid": len(result.valid),
                "existing": result.existing,
                "errors": len(result.errors),
            },
        )
    return staged


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


def confirm_import(acting_user, import_id: int) -> SignalImport:
    """Write the valid rows (bulk, in chunks) and raise their warnings. Signals already present
    (same source and id) are skipped by the database, so a repeated import creates nothing."""
    _require(acting_user, "compliance.import_signals")
    with transaction.atomic():
        staged = (
            SignalImport.objects.select_for_update()
            .filter(pk=import_id, created_by=acting_user)
            .select_related("source")
            .first()
        )
        if staged is None:
            raise SignalImport.DoesNotExist
        if staged.status != SignalImport.Status.PENDING:
            raise ValidationError(_("This import has already been confirmed or cancelled."))
        for start in range(0, len(staged.valid_rows), CHUNK):
            chunk = staged.valid_rows[start : start + CHUNK]
            RiskSignal.objects.bulk_create(
                _build_signals(chunk, staged.source, acting_user, staged),
                batch_size=CHUNK,
                ignore_conflicts=True,
            )
        created = RiskSignal.objects.filter(batch=staged).count()
        staged.status = SignalImport.Status.CONFIRMED
        staged.created_count = created
        staged.confirmed_at = timezone.now()
        staged.save(update_fields=["status", "created_count", "confirmed_at"])
        record(acting_user, "compliance.signals_imported", staged, after={"created": created})
        raise_warnings(Q(batch=staged), acting_user)
    return staged


def cancel_import(acting_user, import_id: int) -> None:
    with transaction.atomic():
        updated = SignalImport.objects.filter(
            pk=import_id, created_by=acting_user, status=SignalImport.Status.PENDING
        ).update(status=SignalImport.Status.CANCELLED)
        if updated:
            record(
                acting_user, "compliance.signal_import_cancelled", None, after={"import": import_id}
            )


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


def raise_warnings(signal_filter: Q, acting_user=None, *, today=None) -> list[int]:
    """Turn unlinked signals into warnings (set-based).

    Signals of one customer and kind collapse into one active warning: a new one is raised when
    none is active, an active one is upgraded when the new grade is higher (with the shorter
    deadline). Grades and deadlines come from the grading rules; deadlines count working days.
    Then every signal is linked to its warning with one correlated UPDATE. Visits and
    notifications for the new warnings are scheduled after commit (a Celery task).
    """
    today = today or timezone.localdate()
    rules = rules_table()
    best: dict[tuple[int, str], tuple[int, str, int, str]] = {}
    rows = RiskSignal.objects.filter(signal_filter, warning__isnull=True).values_list(
        "customer_id", "kind", "severity", "evidence"
    )
    for cid, kind, severity, evidence in rows.iterator(chunk_size=CHUNK):
        rule = rules.get((kind, severity))
        if rule is None:
            continue  # no active rule: the signal is kept as evidence only
        grade, days = rule
        rank = GRADE_RANK[grade]
        current = best.get((cid, kind))
        if current is None or (rank, -days) > (current[0], -current[2]):
            best[(cid, kind)] = (rank, grade, days, evidence)
    created_ids: list[int] = []
    if best:
        cal = BusinessCalendar.load(today, today + datetime.timedelta(days=90))
        deadlines: dict[int, datetime.date] = {}
        customer_ids = sorted({cid for cid, _k in best})
        existing: dict[tuple[int, str], tuple[int, str, datetime.date]] = {}
        owners: dict[int, int] = {}
        for start in range(0, len(customer_ids), CHUNK):
            chunk = customer_ids[start : start + CHUNK]
            for pk, cid, kind, grade, verify_by in RiskWarning.objects.filter(
                customer_id__in=chunk, status__in=OPEN_STATUSES
            ).values_list("pk", "customer_id", "kind", "grade", "verify_by"):
                existing[(cid, kind)] = (pk, grade, verify_by)
            owners.update(Customer.objects.filter(pk__in=chunk).values_list("pk", "owner_id"))
        new: list[RiskWarning] = []
        upgrades: dict[tuple[str, datetime.date], list[int]] = defaultdict(list)
        for (cid, kind), (rank, grade, days, evidence) in best.items():
            if days not in deadlines:
                deadlines[days] = cal.deadline(today, days, working_days=True)
            verify_by = deadlines[days]
            if (cid, kind) in existing:
                pk, old_grade, old_verify_by = existing[(cid, kind)]
                if rank > GRADE_RANK[old_grade]:
                    upgrades[(grade, min(verify_by, old_verify_by))].append(pk)
                continue
            new.append(
                RiskWarning(
                    customer_id=cid,
                    kind=kind,
                    grade=grade,
                    title=evidence[:200],
                    owner_id=owners[cid],
                    raised_on=today,
                    verify_by=verify_by,
                )
            )
        with transaction.atomic():
            for start in range(0, len(new), CHUNK):
                batch = RiskWarning.objects.bulk_create(new[start : start + CHUNK])
                created_ids.extend(w.pk for w in batch)
                _audit_bulk(
                    acting_user,
                    "compliance.warning_raised",
                    batch,
                    lambda w: {"grade": w.grade, "kind": w.kind, "verify_by": w.verify_by},
                )
            upgraded: list[int] = []
            for (grade, verify_by), pks in upgrades.items():
                for start in range(0, len(pks), CHUNK):
                    RiskWarning.objects.filter(pk__in=pks[start : start + CHUNK]).update(
                        grade=grade, verify_by=verify_by
                    )
                upgraded.extend(pks)
                for start in range(0, len(pks), CHUNK):
                    _audit_bulk(
                        acting_user,
                        "compliance.warning_upgraded",
                        RiskWarning.objects.filter(pk__in=pks[start : start + CHUNK]),
                        lambda w: {"grade": w.grade, "verify_by": w.verify_by},
                    )
            if created_ids or upgraded:
                follow = created_ids + upgraded
                transaction.on_commit(lambda: _schedule_followups(follow))
    RiskSignal.objects.filter(signal_filter, warning__isnull=True).update(
        warning_id=Subquery(
            RiskWarning.objects.filter(
                customer_id=OuterRef("customer_id"), kind=OuterRef("kind"), status__in=OPEN_STATUSES
            ).values("pk")[:1]
        )
    )
    return created_ids


def _schedule_followups(warning_ids: list[int]) -> None:
    from .tasks import warning_followups

    for start in range(0, len(warning_ids), 1000):
        warning_followups.delay(warning_ids[start : start + 1000])


def schedule_followups(warning_ids: list[int]) -> int:
    """Visit task through the customers service, and a notification for red/orange warnings.
    Idempotent (both carry dedupe keys)."""
    from customers.followups import schedule_warning_visit

    warnings = list(
        RiskWarning.objects.filter(pk__in=warning_ids, status__in=OPEN_STATUSES).select_related(
            "customer"
        )
    )
    notes = []
    for w in warnings:
        schedule_warning_visit(customer=w.customer, due_on=w.verify_by, reference=f"W{w.pk}")
        if w.grade in NOTIFY_GRADES:
            notes.append(
                {
                    "recipient_id": w.owner_id,
                    "title": _("%(grade)s warning: %(customer)s")
                    % {"grade": w.get_grade_display(), "customer": w.customer.name},
                    "body": w.title,
                    "url": reverse("compliance:warning", args=[w.pk]),
                    "dedupe_key": f"warning-raised:{w.pk}:{w.grade}",
                }
            )
    notify_many(notes)
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


def sweep_warnings(today: datetime.date | None = None, *, chunk: int = CHUNK, stdout=None) -> int:
    """Escalate every open warning whose verification deadline has passed (set-based, chunked).

    Per chunk: one automatic escalate step per warning (a DB constraint makes it once only),
    one UPDATE of the status, bulk notifications to the owner and the owner's team lead (dedupe
    keys), bulk audit rows. A second run finds nothing open past its deadline.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    cal = BusinessCalendar.load(today, today + datetime.timedelta(days=30))
    due = cal.deadline(today, 1, working_days=True)
    total = 0
    last_pk = 0
    while True:
        rows = list(
            RiskWarning.objects.filter(
                status=RiskWarning.Status.OPEN, verify_by__lt=today, pk__gt=last_pk
            )
            .order_by("pk")
            .values_list("pk", "owner_id", "owner__team__lead_id", "grade", "customer__name")[
                :chunk
            ]
        )
        if not rows:
            break
        last_pk = rows[-1][0]
        ids = [r[0] for r in rows]
        with transaction.atomic():
            DisposalStep.objects.bulk_create(
                [
                    DisposalStep(
                        warning_id=pk,
                        kind=DisposalStep.Kind.ESCALATE,
                        owner_id=lead or owner,
                        due_on=due,
                        automatic=True,
                    )
                    for pk, owner, lead, _g, _n in rows
                ],
                batch_size=chunk,
                ignore_conflicts=True,
            )
            changed = RiskWarning.objects.filter(pk__in=ids, status=RiskWarning.Status.OPEN).update(
                status=RiskWarning.Status.ESCALATED, escalated_at=now
            )
            notes = []
            for pk, owner, lead, _grade, name in rows:
                title = _("Warning escalated: %(customer)s (verification overdue)") % {
                    "customer": name
                }
                url = reverse("compliance:warning", args=[pk])
                for recipient in {owner, lead} - {None}:
                    notes.append(
                        {
                            "recipient_id": recipient,
                            "title": title,
                            "url": url,
                            "dedupe_key": f"warning-escalated:{pk}",
                        }
                    )
            notify_many(notes)
            AuditEntry.objects.bulk_create(
                [
                    AuditEntry(
                        action="compliance.warning_escalated",
                        target_type=RiskWarning._meta.label_lower,
                        target_id=str(pk),
                        target_repr=name[:255],
                        before={"status": "open"},
                        after={"status": "escalated", "grade": grade},
                    )
                    for pk, _o, _l, grade, name in rows
                ],
                batch_size=2000,
            )
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


# ---- audit export -----------------------------------------------------------------------------


def request_audit_export(acting_user, filters: dict, *, reason: str) -> AuditExport:
    _require(acting_user, "compliance.review_audit")
    with transaction.atomic():
        approval = request_approval(
            acting_user,
            AUDIT_EXPORT_KIND,
            summary=_("Audit-log export requested by %(user)s") % {"user": acting_user},
            reason=reason,
            payload={"filters": filters},
        )
        return AuditExport.objects.create(
            approval=approval, requested_by=acting_user, filters=filters
        )


def on_audit_export_approved(approval, acting_user) -> None:
    AuditExport.objects.filter(approval=approval).update(
        available_until=timezone.now() + AUDIT_EXPORT_WINDOW
    )


def take_audit_export(acting_user, export_id: int) -> AuditExport:
    """Claim the one download of an approved audit export. Audited; a second call fails."""
    with transaction.atomic():
        export = (
            AuditExport.objects.select_for_update()
            .filter(pk=export_id, requested_by=acting_user)
            .select_related("approval")
            .first()
        )
        if export is None:
            raise AuditExport.DoesNotExist
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
            "audit.exported",
            export,
            purpose=export.approval.reason,
            after={"filters": export.filters, "approval": export.approval_id},
        )
    return export
