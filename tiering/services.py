"""Tiering writes: policies, runs (live and what-if), overrides. Atomic and audited."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record
from crm.core.approvals import approval_request
from crm.core.config import fiducia
from crm.core.duplicates import refuse_duplicate
from crm.core.models import ApprovalRequest
from crm.core.spreadsheets import append_row, new_workbook, workbook_bytes
from customers.records.access import access_customer
from customers.records.models import Customer
from customers.records.services import customers_classify, customers_classify_from

from . import calculation
from .models import TierAssignment, TierOverride, TierPolicy, TierRun
from .selectors import CLASSES, published_policy

OVERRIDE_KIND = "tiering.override"


class NoPublishedPolicy(Exception):
    pass


# ---- policies -------------------------------------------------------------------------------


def policy_ensure_default(acting_user=None) -> TierPolicy:
    """The published policy, creating and publishing version 1 with DESIGN §5.3 defaults if
    there is none (demo seeding, first run)."""
    policy = published_policy()
    if policy is not None:
        return policy
    with transaction.atomic():
        policy, _created = TierPolicy.objects.get_or_create(
            version=1,
            defaults={"name": _("Default policy"), "formula": TierPolicy.Formula.BANK},
        )
        if policy.status != TierPolicy.Status.PUBLISHED:
            policy = policy_publish(acting_user, policy)
    return policy


def policy_draft(acting_user, source: TierPolicy | None = None, **changes) -> TierPolicy:
    """A new draft version (a copy of `source` or the defaults) with `changes` applied."""
    if acting_user is not None:  # scheduled runs and the demo act without a person
        require(
            acting_user, "tiering.add_tierpolicy", message=_("You may not draft tier policies.")
        )
    with transaction.atomic():
        last = TierPolicy.objects.select_for_update().order_by("-version").first()
        draft = TierPolicy()
        if source is not None:
            for field in TierPolicy._meta.concrete_fields:
                if field.name not in {
                    "id",
                    "version",
                    "status",
                    "created_at",
                    "created_by",
                    "published_at",
                    "published_by",
                }:
                    setattr(draft, field.attname, getattr(source, field.attname))
        for name, value in changes.items():
            setattr(draft, name, value)
        draft.version = (last.version if last else 0) + 1
        draft.status = TierPolicy.Status.DRAFT
        draft.created_by = acting_user
        if not draft.name:
            draft.name = _("Policy v%(version)s") % {"version": draft.version}
        draft.full_clean()
        draft.save()
        record(acting_user, "tier_policy.drafted", draft, after={"version": draft.version})
    return draft


def policy_publish(acting_user, policy: TierPolicy) -> TierPolicy:
    """Publish a draft; the previously published version is retired. Audited."""
    if acting_user is not None:  # scheduled runs and the demo act without a person
        require(
            acting_user,
            "tiering.publish_tierpolicy",
            message=_("You may not publish tier policies."),
        )
    with transaction.atomic():
        locked = TierPolicy.objects.select_for_update().get(pk=policy.pk)
        if locked.status != TierPolicy.Status.DRAFT:
            raise ValidationError(_("Only a draft policy can be published."))
        old = published_policy()
        if old is not None:
            old.status = TierPolicy.Status.RETIRED
            old.save(update_fields=["status"])
        locked.status = TierPolicy.Status.PUBLISHED
        locked.published_at = timezone.now()
        locked.published_by = acting_user
        locked.save(update_fields=["status", "published_at", "published_by"])
        record(
            acting_user,
            "tier_policy.published",
            locked,
            before={"published": old.version if old else None},
            after={"published": locked.version},
        )
    return locked


# ---- runs -----------------------------------------------------------------------------------


def run_recalculate(
    as_of: datetime.date | None = None,
    *,
    acting_user=None,
    policy: TierPolicy | None = None,
    force: bool = False,
) -> TierRun:
    """The live run for `as_of` under the published policy: compute, then apply.

    Idempotent: a run already applied for (as_of, policy) is returned unchanged; one that
    stopped half-way (running/failed) is recomputed from scratch, one computed but not applied
    is applied. `force` recomputes an applied run (same inputs → same answer, no double effect:
    grace counts come from the previous run, not from this one).
    """
    as_of = as_of or timezone.localdate()
    policy = policy or published_policy()
    if policy is None:
        raise NoPublishedPolicy(_("No tier policy is published."))
    if policy.status != TierPolicy.Status.PUBLISHED:
        raise ValidationError(_("Only the published policy can change live classes."))
    runs_fail_abandoned()
    try:
        with transaction.atomic():
            run, _created = TierRun.objects.get_or_create(
                as_of=as_of,
                policy=policy,
                kind=TierRun.Kind.LIVE,
                defaults={"policy_version": policy.version, "triggered_by": acting_user},
            )
    except IntegrityError:
        run = TierRun.objects.get(as_of=as_of, policy=policy, kind=TierRun.Kind.LIVE)
    if run.status == TierRun.Status.APPLIED and not force:
        return run
    if TierRun.objects.filter(
        kind=TierRun.Kind.LIVE, status=TierRun.Status.APPLIED, as_of__gt=as_of
    ).exists():
        raise ValidationError(_("A later run exists; an earlier date cannot be recalculated."))
    with transaction.atomic():
        run = TierRun.objects.select_for_update().get(pk=run.pk)
        if run.status == TierRun.Status.APPLIED and not force:
            return run
        if run.status != TierRun.Status.COMPUTED or force:
            _compute_into(run, policy)
        _apply(run, acting_user)
    return run


ABANDONED = "abandoned: the worker stopped before the run finished; nothing was applied"


def runs_fail_abandoned(now: datetime.datetime | None = None) -> int:
    """Mark failed, with an audit row each, the live runs a killed worker left "running".

    A live run computes and applies inside one transaction holding its row lock
    (run_recalculate), so a run still "running" after ABANDONED_RUN_MINUTES whose row nobody
    holds is not being worked on: its worker died and its transaction was rolled back. Locked
    rows are skipped (SKIP LOCKED on PostgreSQL; SQLite has one writer at a time, so whatever
    this transaction sees unlocked is not in progress). The next run for that date recomputes
    it; runs for other dates were never blocked. Called by every live run and by beat
    (tiering.tasks.fail_abandoned_runs)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=fiducia("TIERING", "ABANDONED_RUN_MINUTES"))
    with transaction.atomic():
        abandoned = list(
            TierRun.objects.select_for_update(skip_locked=True)
            .filter(status=TierRun.Status.RUNNING, started_at__lt=cutoff)
            .order_by("pk")
        )
        for run in abandoned:  # a handful at most: one per date and policy
            run.status = TierRun.Status.FAILED
            run.error = ABANDONED
            run.finished_at = now
            run.save(update_fields=["status", "error", "finished_at"])
            record(
                None,
                "tier_run.failed",
                run,
                purpose=ABANDONED,
                before={"status": TierRun.Status.RUNNING.value},
                after={
                    "status": TierRun.Status.FAILED.value,
                    "as_of": run.as_of.isoformat(),
                    "started_at": run.started_at.isoformat(),
                },
            )
    return len(abandoned)


def _compute_into(run: TierRun, policy: TierPolicy) -> None:
    TierAssignment.objects.filter(run=run).delete()
    previous = calculation.previous_live_run(run.as_of, exclude_pk=run.pk)
    calculation.compute(run, policy, previous)
    calculation.write_cells(run)
    calculation.summarise(run)
    run.status = TierRun.Status.COMPUTED
    run.error = ""
    run.save()


def _apply(run: TierRun, acting_user) -> None:
    changed = customers_classify_from(
        # In customer order: the update then walks the customer table and its indexes in
        # order instead of jumping around them once per changed customer.
        TierAssignment.objects.filter(run=run)
        .values("customer_id", "applied_class", "vip_level")
        .order_by("customer_id"),
        tier="applied_class",
    )
    run.customers_changed = changed
    run.status = TierRun.Status.APPLIED
    run.finished_at = timezone.now()
    run.save()
    record(
        acting_user,
        "tier_run.applied",
        run,
        after={
            "as_of": run.as_of.isoformat(),
            "policy_version": run.policy_version,
            "customers": run.customers,
            "changed": changed,
            "A": run.count_a,
            "B": run.count_b,
            "C": run.count_c,
        },
    )


def policy_what_if(
    policy: TierPolicy, as_of: datetime.date | None = None, *, acting_user=None
) -> TierRun:
    """Compute `policy` (usually a draft) into a what-if run. Customers are not touched; the
    previous what-if run of this policy and date is replaced."""
    if acting_user is not None:  # scheduled runs and the demo act without a person
        require(
            acting_user, "tiering.view_tierpolicy", message=_("You may not run what-if analyses.")
        )
    as_of = as_of or timezone.localdate()
    with transaction.atomic():
        TierRun.objects.filter(kind=TierRun.Kind.WHAT_IF, policy=policy, as_of=as_of).delete()
        run = TierRun.objects.create(
            as_of=as_of,
            policy=policy,
            policy_version=policy.version,
            kind=TierRun.Kind.WHAT_IF,
            triggered_by=acting_user,
        )
        previous = calculation.previous_live_run(
            as_of + datetime.timedelta(days=1), exclude_pk=run.pk
        )
        calculation.compute(run, policy, previous)
        calculation.write_cells(run)
        calculation.summarise(run)
        run.status = TierRun.Status.COMPUTED
        run.finished_at = timezone.now()
        run.save()
    return run


# ---- overrides ------------------------------------------------------------------------------


def override_propose(
    acting_user,
    customer: Customer,
    *,
    tier: str,
    reason: str,
    expires_on: datetime.date | None = None,
    vip_level: str = "",
) -> TierOverride:
    """An RM or team lead asks for a manual class; a second person approves (four-eyes)."""
    require(acting_user, "tiering.propose_override", message=_("You may not propose overrides."))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": _("Please explain the override (at least 4 characters).")})
    if tier not in {"A", "B", "C"}:
        raise ValidationError({"tier": _("Choose class A, B or C.")})
    today = timezone.localdate()
    policy = published_policy()
    max_days = policy.override_days if policy else 180
    if expires_on is None:
        expires_on = today + datetime.timedelta(days=max_days)
    if expires_on <= today:
        raise ValidationError({"expires_on": _("The override must end after today.")})
    if expires_on > today + datetime.timedelta(days=max_days):
        raise ValidationError(
            {"expires_on": _("An override may last at most %(days)s days.") % {"days": max_days}}
        )
    with transaction.atomic():
        customer = access_customer(acting_user, customer.pk)
        override_sync_withdrawn(customer)
        if TierOverride.objects.filter(
            customer=customer,
            status__in=[TierOverride.Status.PENDING, TierOverride.Status.APPROVED],
        ).exists():
            raise ValidationError(_("This customer already has an override pending or in force."))
        # A second proposal at the same moment passes the check above; the constraint refuses it.
        with refuse_duplicate(_("This customer already has an override pending or in force.")):
            override = TierOverride.objects.create(
                customer=customer,
                tier=tier,
                vip_level=vip_level,
                reason=reason,
                expires_on=expires_on,
                proposed_by=acting_user,
            )
        approval = approval_request(
            acting_user,
            OVERRIDE_KIND,
            summary=_("%(customer)s (%(number)s): class %(from)s → %(to)s until %(until)s")
            % {
                "customer": customer.name,
                "number": customer.number,
                "from": customer.tier or "—",
                "to": tier,
                "until": expires_on.isoformat(),
            },
            reason=reason,
            target=customer,
            payload={"override": override.pk, "tier": tier, "vip_level": vip_level},
        )
        override.approval = approval
        override.save(update_fields=["approval"])
        record(
            acting_user,
            "tier_override.proposed",
            customer,
            purpose=reason,
            before={"tier": customer.tier},
            after={"tier": tier, "expires_on": expires_on.isoformat()},
        )
    return override


def on_override_approved(approval, acting_user) -> None:
    """Callback of the four-eyes approval (runs inside approval_decide()'s transaction)."""
    override = TierOverride.objects.select_for_update().get(pk=approval.payload["override"])
    if override.status != TierOverride.Status.PENDING:
        return
    override.status = TierOverride.Status.APPROVED
    override.decided_by = acting_user
    override.decided_at = timezone.now()
    override.save(update_fields=["status", "decided_by", "decided_at"])
    customer = Customer.objects.get(pk=override.customer_id)
    before = {"tier": customer.tier, "vip_level": customer.vip_level}
    vip = override.vip_level or customer.vip_level
    customers_classify([(customer.pk, override.tier, vip)])
    record(
        acting_user,
        "tier_override.approved",
        customer,
        purpose=override.reason,
        before=before,
        after={"tier": override.tier, "vip_level": vip, "expires_on": str(override.expires_on)},
    )


def on_override_rejected(approval, acting_user) -> None:
    TierOverride.objects.filter(
        pk=approval.payload["override"], status=TierOverride.Status.PENDING
    ).update(status=TierOverride.Status.REJECTED, decided_by=acting_user, decided_at=timezone.now())


def override_sync_withdrawn(customer=None) -> int:
    """Overrides whose approval request was withdrawn or expired follow it (set-based)."""
    pending = TierOverride.objects.filter(status=TierOverride.Status.PENDING)
    if customer is not None:
        pending = pending.filter(customer=customer)
    n = 0
    for status, target in (
        (ApprovalRequest.Status.WITHDRAWN, TierOverride.Status.WITHDRAWN),
        (ApprovalRequest.Status.EXPIRED, TierOverride.Status.EXPIRED),
    ):
        n += pending.filter(approval__status=status).update(status=target)
    return n


def override_expire(today: datetime.date | None = None) -> int:
    """Approved overrides past their end date expire; the customer goes back to the class the
    rules gave in the latest live run. Set-based; idempotent."""
    today = today or timezone.localdate()
    override_sync_withdrawn()
    with transaction.atomic():
        ids = list(
            TierOverride.objects.select_for_update()
            .filter(status=TierOverride.Status.APPROVED, expires_on__lt=today)
            .values_list("pk", flat=True)[:10000]
        )
        if not ids:
            return 0
        expired = TierOverride.objects.filter(pk__in=ids)
        customer_ids = list(expired.values_list("customer_id", flat=True))
        expired.update(status=TierOverride.Status.EXPIRED)
        latest = (
            TierRun.objects.filter(kind=TierRun.Kind.LIVE, status=TierRun.Status.APPLIED)
            .order_by("-as_of", "-pk")
            .first()
        )
        if latest is not None:
            customers_classify_from(
                TierAssignment.objects.filter(run=latest, customer_id__in=customer_ids).values(
                    "customer_id", "base_class", "computed_vip"
                ),
                tier="base_class",
                vip_level="computed_vip",
            )
        record(None, "tier_override.expired", None, after={"overrides": ids})
    return len(ids)


# ---- reports --------------------------------------------------------------------------------


def report_export(acting_user, run: TierRun, data: dict) -> bytes:
    """The report's tables (selectors.report) as an XLSX workbook. Audited: the export leaves
    the system."""
    book = new_workbook()
    sheet = book.active
    sheet.title = _("Classes")[:31]
    append_row(sheet, [_("Class"), _("Customers"), _("Contribution"), _("Share of contribution")])
    for d in data["distribution"]:
        append_row(sheet, [d["class"], d["customers"], float(d["contribution"]), float(d["share"])])
    sheet = book.create_sheet(_("Movement")[:31])
    append_row(sheet, [_("from / to"), *CLASSES])
    for row in data["movement_rows"]:
        append_row(sheet, [row["from"], *row["cells"]])
    sheet = book.create_sheet(_("Segments")[:31])
    append_row(
        sheet,
        [_("Capital segment")]
        + [f"{c} {_('customers')}" for c in CLASSES]
        + [f"{c} {_('average contribution')}" for c in CLASSES],
    )
    for row in data["segment_rows"]:
        append_row(
            sheet,
            [row["segment"]]
            + [cell["n"] for cell in row["cells"]]
            + [round(float(cell["avg"]), 2) for cell in row["cells"]],
        )
    data = workbook_bytes(book)
    record(
        acting_user,
        "tier_report.exported",
        run,
        after={"as_of": run.as_of.isoformat(), "format": "xlsx"},
    )
    return data
