"""Demo data for sales and service management (`seed_demo`, order 30): channels with partner
agreements and evaluations, activities with invitations and attendance, a pipeline in every
stage, satisfaction surveys and last month's statements. Idempotent: everything is keyed by
name/title or protected by unique constraints, so a second run adds nothing."""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from customers.records.models import Customer
from customers.sales.models import (
    Activity,
    ActivityInvitation,
    Channel,
    ChannelEvaluation,
    CustomerLifecycle,
    LifecycleEvent,
    Prospect,
    SatisfactionSurvey,
)

CHANNELS = [
    ("浦东支行网点", Channel.Kind.OWN_BRANCH, "", "", Decimal("0")),
    ("朝阳支行网点", Channel.Kind.OWN_BRANCH, "", "", Decimal("0")),
    (
        "招商证券合作渠道",
        Channel.Kind.PARTNER,
        "招商证券股份有限公司",
        "HZ-2026-011",
        Decimal("0.0030"),
    ),
    (
        "平安银行代销渠道",
        Channel.Kind.PARTNER,
        "平安银行股份有限公司",
        "HZ-2026-027",
        Decimal("0.0045"),
    ),
    ("手机银行与官网", Channel.Kind.ONLINE, "", "", Decimal("0")),
]
ACTIVITIES = [
    ("“稳健致远”固收+产品发布会", Activity.Kind.PRODUCT_LAUNCH, 0, Decimal("30000")),
    ("家族信托与财富传承客户沙龙", Activity.Kind.SEMINAR, 2, Decimal("50000")),
    ("2027年宏观经济展望讲座", Activity.Kind.LECTURE, 4, Decimal("20000")),
    ("新客户开户礼遇季", Activity.Kind.PROMOTION, 4, Decimal("80000")),
]
PROSPECTS = [
    ("周建华", "individual", "prospect", Decimal("3000000"), "首次面谈，了解资产配置需求"),
    ("吴晓明", "individual", "prospect", Decimal("1200000"), "发送产品说明书"),
    ("郑海燕", "individual", "onboarding", Decimal("6500000"), "预约风险测评与开户"),
    ("上海恒信投资管理有限公司", "institution", "onboarding", Decimal("50000000"), "准备托管协议"),
    ("钱思远", "individual", "exited", Decimal("800000"), ""),
    ("孙子涵", "individual", "prospect", Decimal("2000000"), "邀请参加客户沙龙"),
]
WIN_REASON = "认可产品收益稳健、服务专业"
# What a customer writes goes with the score they give: a 3 does not say "非常满意".
COMMENTS_BY_SCORE = {
    5: ["非常满意，客户经理专业周到", "讲解清楚，配置建议很有帮助", "响应及时，服务贴心"],
    4: ["服务周到，讲解清楚", "响应及时", "整体满意，希望多提供市场资讯"],
    3: ["服务一般，等待时间稍长", "讲解还可以，希望回访更及时", "基本满意，产品介绍不够详细"],
    2: ["等待时间过长，沟通不够主动", "对产品风险说明不够清楚"],
    1: ["非常不满意，问题一直没有解决"],
}


def seed_sales(*, stdout, customers: int, users: dict) -> None:
    rms = [u for key, u in sorted(users.items()) if key.startswith("rm")]
    if not rms:
        return
    rnd = random.Random(9)
    today = timezone.localdate()
    with transaction.atomic():
        channels = _channels(users, today)
        activities = _activities(rms, channels, today)
        invited = _invitations(activities, rnd)
        prospects = _prospects(rms, channels, activities, today)
        surveys = _surveys(rnd)
    statements = _statements(today)
    stdout.write(
        f"  sales: {len(channels)} channels, {len(activities)} activities, {invited} invitations, "
        f"{prospects} prospects, {surveys} surveys, {statements} statements"
    )


def _channels(users, today):
    out = []
    head = users.get("head1")
    for name, kind, partner, agreement, rate in CHANNELS:
        channel, _ = Channel.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "partner_name": partner,
                "agreement_number": agreement,
                "agreement_starts_on": today.replace(month=1, day=1) if agreement else None,
                "agreement_ends_on": today.replace(year=today.year + 2, month=12, day=31)
                if agreement
                else None,
                "commission_rate": rate,
                "commission_terms": "按季度结算，按代销产品保有量计提；新增客户首年加计 10%。"
                if partner
                else "",
                "risk_notes": "合作方须具备代销资质；每季度核查销售适当性记录。" if partner else "",
                "branch": head.branch if head and kind == Channel.Kind.OWN_BRANCH else None,
            },
        )
        out.append(channel)
        end = today.replace(day=1) - datetime.timedelta(days=1)
        start = (end.replace(day=1) - datetime.timedelta(days=62)).replace(day=1)
        scores = [5, 4, 4, 4] if partner else [4, 3, 5, 4]
        from customers.sales.services.marketing import overall_score, rating_for

        values = dict(
            zip(
                ["volume_score", "quality_score", "compliance_score", "service_score"],
                scores,
                strict=True,
            )
        )
        overall = overall_score(values)
        ChannelEvaluation.objects.get_or_create(
            channel=channel,
            period_end=end,
            defaults={
                "period_start": start,
                "overall": overall,
                "rating": rating_for(overall, values["compliance_score"]),
                "comment": "季度渠道评价",
                "evaluated_by": head,
                **values,
            },
        )
    return out


def _activities(rms, channels, today):
    out = []
    for i, (title, kind, channel_index, budget) in enumerate(ACTIVITIES):
        organiser = rms[i % len(rms)]
        held = i < 2
        starts = timezone.now() + datetime.timedelta(days=(-20 + 7 * i) if held else 10 + 7 * i)
        activity, _ = Activity.objects.get_or_create(
            title=title,
            defaults={
                "kind": kind,
                "channel": channels[channel_index],
                "organiser": organiser,
                "branch_id": organiser.branch_id,
                "team_id": organiser.team_id,
                "starts_at": starts.replace(hour=14, minute=0, second=0, microsecond=0),
                "location": "陆家嘴金融中心 28 楼多功能厅",
                "budget": budget,
                "actual_cost": budget * Decimal("0.9") if held else Decimal(0),
                "status": Activity.Status.HELD if held else Activity.Status.PLANNED,
                "description": "面向高净值及机构客户，介绍产品与市场观点。",
            },
        )
        out.append(activity)
    return out


def _invitations(activities, rnd):
    rows = []
    now = timezone.now()
    for activity in activities:
        book = list(Customer.objects.filter(owner=activity.organiser).order_by("number")[:12])
        held = activity.status == Activity.Status.HELD
        for j, customer in enumerate(book):
            status = ActivityInvitation.Status.INVITED
            if held:
                status = (
                    ActivityInvitation.Status.ATTENDED
                    if j % 3
                    else ActivityInvitation.Status.DECLINED
                )
            elif j % 2:
                status = ActivityInvitation.Status.REGISTERED
            rows.append(
                ActivityInvitation(
                    activity=activity,
                    customer=customer,
                    status=status,
                    invited_by=activity.organiser,
                    registered_at=now if status != ActivityInvitation.Status.INVITED else None,
                    attended_at=activity.starts_at
                    if status == ActivityInvitation.Status.ATTENDED
                    else None,
                )
            )
    ActivityInvitation.objects.bulk_create(rows, ignore_conflicts=True)
    from customers.sales.services.marketing import activity_schedule_follow_ups

    for activity in activities:
        if activity.status == Activity.Status.HELD:
            activity_schedule_follow_ups(activity)
    return len(rows)


def _prospects(rms, channels, activities, today):
    created = 0
    for i, (name, kind, stage, aum, step) in enumerate(PROSPECTS):
        owner = rms[i % len(rms)]
        source = ["channel", "activity", "walk_in", "channel", "walk_in", "activity"][i]
        prospect, was_new = Prospect.objects.get_or_create(
            name=name,
            owner=owner,
            defaults={
                "kind": kind,
                "source": source,
                "channel": channels[2 + i % 3] if source == "channel" else None,
                "activity": activities[i % 2] if source == "activity" else None,
                "branch_id": owner.branch_id,
                "team_id": owner.team_id,
                "stage": stage,
                "expected_aum": aum,
                "next_step": step,
                "next_step_on": today + datetime.timedelta(days=3 + i),
                "loss_reason": "已选择他行私行服务" if stage == "exited" else "",
                "contact": f"1390517{1000 + i * 37:04d}",
            },
        )
        if was_new:
            created += 1
            LifecycleEvent.objects.create(prospect=prospect, to_stage="prospect")
            if stage != "prospect":
                LifecycleEvent.objects.create(
                    prospect=prospect, from_stage="prospect", to_stage=stage
                )
    # One converted prospect: the history stays with the customer.
    customer = (
        Customer.objects.filter(number__startswith="D", prospect__isnull=True)
        .order_by("-number")
        .first()
    )
    if customer and not Prospect.objects.filter(win_reason=WIN_REASON).exists():
        prospect = Prospect.objects.create(
            name=customer.name,
            kind=customer.kind,
            source="activity",
            activity=activities[0],
            owner=customer.owner,
            branch_id=customer.branch_id,
            team_id=customer.team_id,
            stage="active",
            expected_aum=Decimal("2000000"),
            aum_raised=Decimal("1800000"),
            win_reason=WIN_REASON,
            customer=customer,
            converted_at=timezone.now(),
        )
        for frm, to in [("", "prospect"), ("prospect", "onboarding"), ("onboarding", "active")]:
            LifecycleEvent.objects.create(
                prospect=prospect, customer=customer, from_stage=frm, to_stage=to
            )
        CustomerLifecycle.objects.get_or_create(
            customer=customer, defaults={"stage": "active", "since": timezone.now()}
        )
        created += 1
    return created


def _surveys(rnd):
    rows = []
    for customer in (
        Customer.objects.filter(number__startswith="D")
        .select_related("owner")
        .order_by("number")[:60]
    ):
        rows.append(
            SatisfactionSurvey(
                customer=customer,
                context="visit",
                reference=f"demo-visit:{customer.pk}",
                score=(score := rnd.choice([3, 4, 4, 5, 5, 5])),
                comment=rnd.choice(COMMENTS_BY_SCORE[score]),
                owner=customer.owner,
                recorded_by=customer.owner,
            )
        )
    SatisfactionSurvey.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _statements(today) -> int:
    from customers.sales.services import statements

    start = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    ids = list(
        statements.eligible("monthly")
        .filter(number__startswith="D")
        .order_by("number")
        .values_list("pk", flat=True)[:20]
    )
    run = statements.statements_generate("monthly", start, customer_ids=ids)
    return run.done
