"""Demo data for `seed_demo` (after the customers seeder): the default policy published, three
monthly runs (so history, movement and grace have something to show), a draft policy with its
what-if, and one approved and one pending override. Idempotent."""

import datetime
from decimal import Decimal

from django.utils import timezone

from crm.core.approvals import approval_decide

from . import services
from .models import TierOverride, TierPolicy, TierRun


def _month_ends(today: datetime.date, n: int) -> list[datetime.date]:
    out, first = [], today.replace(day=1)
    for _ in range(n):
        end = first - datetime.timedelta(days=1)
        out.append(end)
        first = end.replace(day=1)
    return out[::-1]


def seed_tiering(*, stdout, customers: int, users: dict) -> None:
    admin = users.get("admin")
    policy = services.policy_ensure_default(admin)
    today = timezone.localdate()
    latest = TierRun.objects.filter(kind=TierRun.Kind.LIVE).order_by("-as_of").first()
    # Runs spread over the demo's 13 months of figures, so windows differ and customers move.
    ends = _month_ends(today, 9)
    for as_of in (ends[0], ends[4], ends[8]):
        if latest is None or as_of >= latest.as_of:
            services.run_recalculate(as_of, acting_user=admin, policy=policy)
    draft = TierPolicy.objects.filter(status=TierPolicy.Status.DRAFT).first()
    if draft is None and admin is not None:
        draft = services.policy_draft(
            admin,
            policy,
            name="券商贡献度口径（草案）",
            formula=TierPolicy.Formula.BROKERAGE,
            a_share=Decimal("0.7000"),
            notes="按 001 号文件公式：保证金余额×存款利差×时间＋佣金率×交易量－佣金返还。",
        )
    if draft is not None and not TierRun.objects.filter(policy=draft).exists():
        services.policy_what_if(draft, _month_ends(today, 1)[0], acting_user=admin)
    _overrides(users)
    latest = TierRun.objects.filter(kind=TierRun.Kind.LIVE).order_by("-as_of").first()
    stdout.write(
        f"  tiering: policy v{policy.version} published, "
        f"{TierRun.objects.filter(kind=TierRun.Kind.LIVE).count()} runs"
        + (f", latest A/B/C {latest.count_a}/{latest.count_b}/{latest.count_c}" if latest else "")
    )


def _overrides(users: dict) -> None:
    lead, head, rm = users.get("lead1"), users.get("head1"), users.get("rm1")
    if not (lead and head and rm) or TierOverride.objects.exists():
        return
    from customers.records.models import Customer

    mine = list(Customer.objects.filter(owner=rm, tier="C").order_by("number")[:2])
    if len(mine) < 2:
        return
    approved = services.override_propose(
        lead,
        mine[0],
        tier="B",
        reason="客户已签署大额理财意向书，预计下季度资产转入，申请临时上调至 B 类。",
        expires_on=timezone.localdate() + datetime.timedelta(days=90),
    )
    approval_decide(head, approved.approval_id, approve=True, note="同意，季度末复核。")
    services.override_propose(
        rm,
        mine[1],
        tier="A",
        reason="客户为集团实际控制人，关联企业业务由本行承接，建议按 A 类服务。",
        expires_on=timezone.localdate() + datetime.timedelta(days=60),
    )
