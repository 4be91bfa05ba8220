"""Demo data for `seed_demo`: signals pushed through the pluggable source interface (so the demo
exercises the real path: validation, dedupe, grading, deadlines), some warnings aged past their
deadline and escalated, disposal steps, a watch list built through four-eyes approvals, and
suitability checks. Idempotent: signals carry fixed external ids, the watch list is only
seeded when empty."""

import datetime
import random

from django.utils import timezone

from customers.records.models import Customer, Product

from .models import DisposalStep, RiskWarning, SignalKind, WatchAction, WatchListEntry
from .services import disposal, ingest, suitability, sweep, watchlist
from .sources import SignalRecord

EVIDENCE = {
    SignalKind.OVERDUE: "贷款本息逾期{n}天，催收中",
    SignalKind.RATING_DOWNGRADE: "外部评级由AA下调至A-（评级机构公告）",
    SignalKind.LITIGATION: "涉及买卖合同纠纷诉讼，标的约{n}万元",
    SignalKind.DISHONEST_DEBTOR: "被列入失信被执行人名单（案号（2026）沪01执{n}号）",
    SignalKind.LARGE_OUTFLOW: "单日资金净流出{n}万元，较近三月均值放大5倍",
    SignalKind.NEGATIVE_NEWS: "媒体报道涉嫌违规经营，舆情热度上升",
    SignalKind.ESG_INCIDENT: "子公司发生环保处罚事件，罚款{n}万元",
    SignalKind.KYC_EXPIRED: "客户身份证件已过有效期，尚未更新",
    SignalKind.SUITABILITY_MISMATCH: "持有产品风险等级高于客户风险承受能力",
}
SOURCE_OF = {
    SignalKind.OVERDUE: "core_banking",
    SignalKind.RATING_DOWNGRADE: "credit_bureau",
    SignalKind.LITIGATION: "court",
    SignalKind.DISHONEST_DEBTOR: "court",
    SignalKind.LARGE_OUTFLOW: "core_banking",
    SignalKind.NEGATIVE_NEWS: "news",
    SignalKind.ESG_INCIDENT: "news",
    SignalKind.KYC_EXPIRED: "core_banking",
    SignalKind.SUITABILITY_MISMATCH: "core_banking",
}


class DemoFeed:
    """A pushed feed (the SignalSource protocol) for one source code."""

    def __init__(self, source_code, records):
        self.source_code = source_code
        self._records = records

    def records(self):
        return iter(self._records)


def seed_compliance(*, stdout, customers: int, users: dict) -> None:
    _seed_signals_and_checks(stdout=stdout, users=users)
    # The dashboard's mismatch tile reads the daily snapshot: fill it now rather than show
    # "not counted yet" on a fresh demo until the nightly job has run.
    refresh = suitability.mismatch_snapshot_refresh()
    stdout.write(f"  compliance: {refresh.holdings} mismatched holdings counted")


def _seed_signals_and_checks(*, stdout, users: dict) -> None:
    risk = users.get("risk1")
    approver = users.get("compliance1")
    if risk is None or approver is None:
        return
    today = timezone.localdate()
    rnd = random.Random(8)
    pool = list(
        Customer.objects.filter(number__startswith="D")
        .order_by("number")
        .values_list("number", flat=True)
    )
    if not pool:
        return
    chosen = pool[:: max(1, len(pool) // 40)][:40]
    feeds: dict[str, list[SignalRecord]] = {}
    kinds = list(SignalKind)
    for i, number in enumerate(chosen):
        kind = kinds[i % len(kinds)]
        severity = 4 if i % 7 == 0 else 3 if i % 3 == 0 else rnd.choice([1, 2, 2, 3])
        n = rnd.randint(3, 900)
        feeds.setdefault(SOURCE_OF[kind], []).append(
            SignalRecord(
                row=i + 1,
                customer_number=number,
                kind=kind,
                observed_on=today - datetime.timedelta(days=rnd.randint(0, 20)),
                severity=severity,
                evidence=EVIDENCE[kind].format(n=n),
                external_id=f"DEMO-{kind}-{number}",
                value=n,
            )
        )
    created = 0
    for code, records in feeds.items():
        n, _errors = ingest.ingest(DemoFeed(code, records), risk)
        created += n
    # Age a few warnings past their deadline so the sweep and the dashboard have work to show.
    if created:
        aged = list(
            RiskWarning.objects.filter(status=RiskWarning.Status.OPEN, customer__number__in=chosen)
            .order_by("pk")
            .values_list("pk", flat=True)[:8]
        )
        RiskWarning.objects.filter(pk__in=aged).update(
            raised_on=today - datetime.timedelta(days=15),
            verify_by=today - datetime.timedelta(days=3),
        )
        sweep.warning_sweep(today)
        for warning in RiskWarning.objects.filter(
            customer__number__in=chosen, status=RiskWarning.Status.OPEN
        ).select_related("owner", "customer")[:6]:
            disposal.step_add(
                warning.owner,
                warning,
                kind=DisposalStep.Kind.VERIFY,
                owner=warning.owner,
                due_on=warning.verify_by,
                outcome="已电话联系客户核实，情况属实，安排走访",
            )
    stdout.write(f"  compliance: {created} signals created")
    _seed_watchlist(chosen, risk, approver, today)
    _seed_checks(users, today)


def _seed_watchlist(numbers, requester, approver, today) -> None:
    from crm.core import approvals

    if WatchListEntry.objects.exists():
        return
    actions = [WatchAction.REDUCE, WatchAction.MAINTAIN, WatchAction.EXIT, WatchAction.SUPPORT]
    for i, customer in enumerate(
        Customer.objects.filter(number__in=numbers[:10]).order_by("number")
    ):
        change = watchlist.watchlist_change_request(
            requester,
            customer,
            action=actions[i % len(actions)],
            reason="风险预警核实后纳入名单制管理，按季度复核",
            review_on=today + datetime.timedelta(days=30 + 15 * i),
        )
        approvals.approval_decide(approver, change.approval_id, approve=True, note="同意")


def _seed_checks(users, today) -> None:
    rm = users.get("rm1")
    if rm is None or rm.pk is None:
        return
    from .models import SuitabilityCheck

    if SuitabilityCheck.objects.filter(checked_by=rm).exists():
        return
    products = list(Product.objects.filter(is_active=True).order_by("risk_level", "code")[:5])
    for customer in Customer.objects.filter(owner=rm).order_by("number")[:3]:
        for product in products[:3]:
            suitability.suitability_check_record(
                rm, customer, product, confirm=True, note="客户已阅读风险揭示书并签字确认"
            )
