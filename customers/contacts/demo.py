"""Demo contacts, visits and follow-up tasks for `seed_demo` (after the demo customers).

Every demo customer gets a few interactions over the last months and tasks in every state
(overdue, due today, this week, done and linked to an interaction, skipped with a reason).
Idempotent: tasks carry the dedupe key "demo:<customer number>:<n>"; a customer that already has
them is left alone.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from customers.contacts.models import Interaction, InteractionChannel, Purpose
from customers.records.models import Customer, FollowUpReason, FollowUpTask

SUMMARIES = [
    (
        "visit",
        "service",
        "上门拜访，了解近期资金安排",
        "客户计划下季度追加配置",
        "两周内发送资产配置建议书",
    ),
    (
        "phone",
        "maturity",
        "电话沟通理财产品到期续作",
        "客户同意续作稳健型产品",
        "到期前一日确认续作额度",
    ),
    ("wechat", "care", "微信问候并推送市场周报", "客户关注债市走势", "下周推送固收产品资料"),
    ("video", "kyc", "视频会议完成风险测评复核", "风险等级维持不变", "更新KYC档案"),
    (
        "branch",
        "product",
        "客户到网点办理业务，顺便介绍新发基金",
        "客户有兴趣，需考虑",
        "三天后电话回访",
    ),
    (
        "event",
        "service",
        "邀请客户参加私行客户沙龙",
        "客户到场并反馈良好",
        "安排一对一财富规划会谈",
    ),
    ("email", "product", "发送月度账户报告", "客户已读", "无"),
]


def seed_followups(*, stdout, customers: int, users: dict) -> None:
    demo = list(
        Customer.objects.filter(number__startswith="D")
        .select_related("owner")
        .order_by("number")[:customers]
    )
    done = set(
        FollowUpTask.objects.filter(dedupe_key__startswith="demo:")
        .values_list("customer_id", flat=True)
        .distinct()
    )
    now = timezone.now()
    today = timezone.localdate()
    created = 0
    with transaction.atomic():
        for index, customer in enumerate(demo):
            if customer.pk in done:
                continue
            _seed_customer(random.Random(index), index, customer, now, today)
            created += 1
    stdout.write(f"  follow-ups: {created} customers given contacts and tasks")


def run_demo_sweep(*, stdout, customers: int, users: dict) -> None:
    """The daily sweep once the other seeders have set tiers, VIP levels and contracts, so
    cadence gaps and event tasks exist from the first login (e-mail digests are not queued)."""
    from customers.contacts.reminders import run_sweep

    result = run_sweep(timezone.localdate(), send=lambda user_id, day: None)
    stdout.write(f"  follow-up sweep: {result.tasks.total} cadence/event tasks created")


def _seed_customer(rnd, index, customer, now, today) -> None:
    owner = customer.owner
    made = []
    # Skip contacts for every fifth customer so the cadence sweep finds gaps (not every fourth:
    # demo customers are dealt to the four RMs in turn, which left one RM with no contacts).
    for k in range(0 if index % 5 == 0 else rnd.randint(1, 4)):
        channel, purpose, summary, outcome, step = SUMMARIES[(index + k) % len(SUMMARIES)]
        interaction = Interaction.objects.create(
            customer=customer,
            channel=channel,
            occurred_at=now - datetime.timedelta(days=rnd.randint(2, 200), hours=rnd.randint(0, 8)),
            purpose=purpose,
            summary=summary,
            outcomes=outcome,
            next_steps=step,
            created_by=owner,
        )
        Interaction.objects.filter(pk=interaction.pk).update(created_at=interaction.occurred_at)
        interaction.staff.add(owner)
        made.append(interaction)
    plans = [
        ("请回访客户近期投资需求", FollowUpReason.MANUAL, -rnd.randint(1, 10), "open"),
        ("确认客户资料更新", FollowUpReason.MANUAL, 0, "open"),
        ("季度经营分析沟通", FollowUpReason.MANUAL, rnd.randint(1, 5), "open"),
        ("产品到期续作沟通", FollowUpReason.MATURITY, -rnd.randint(20, 60), "done"),
        ("节日问候", FollowUpReason.MANUAL, -rnd.randint(5, 30), "skipped"),
    ]
    for n, (title, reason, offset, status) in enumerate(plans):
        if index % 3 and n in (0, 1):
            continue  # not everybody has overdue work
        task = FollowUpTask(
            customer=customer,
            owner=owner,
            title=title,
            reason=reason,
            due_on=today + datetime.timedelta(days=offset),
            status=status,
            dedupe_key=f"demo:{customer.number}:{n}",
        )
        if status == "done":
            task.completed_at = now - datetime.timedelta(days=-offset)
            task.completed_by = owner
            task.interaction = made[0] if made else None
        if status == "skipped":
            task.skip_reason = "客户出差在外，已通过微信留言"
            task.completed_at = now
            task.completed_by = owner
        task.save()


__all__ = ["run_demo_sweep", "seed_followups", "InteractionChannel", "Purpose"]
