"""Demo complaints for `seed_demo`: every state of the workflow, with realistic Chinese text,
logged and moved on through the services (so history, notices and audit rows exist too).

Idempotent: if demo staff have logged complaints already, nothing is added."""

import datetime

from django.utils import timezone

from customers.records.models import Customer, Product

from . import services
from .models import BusinessCategory, Cause, Channel, Complaint, Intake, State

CASES = [
    # (channel, category, cause, demands, facts)
    (
        "01",
        "B07",
        "R05",
        "要求退还理财产品认购本金并赔偿利息损失",
        "客户称客户经理在销售时口头承诺保本，实际产品为净值型，到期亏损约3%。",
    ),
    (
        "02",
        "B03",
        "R03",
        "要求退还信用卡年费",
        "客户称办卡时被告知首年免年费、刷卡满6次免次年年费，但仍被扣收年费。",
    ),
    (
        "03",
        "B05",
        "R02",
        "要求说明跨行转账延迟到账原因",
        "客户于工作日下午办理跨行转账，次日仍未到账，影响其支付货款。",
    ),
    (
        "02",
        "B01",
        "R01",
        "要求网点负责人道歉",
        "客户在网点排队等候超过一小时，柜员态度生硬，未解释业务暂停原因。",
    ),
    (
        "01",
        "B06",
        "R12",
        "要求撤销保险合同并全额退保",
        "七十岁客户称在网点被推荐购买期缴型分红保险，风险及期限未充分告知。",
    ),
    (
        "03",
        "B10",
        "R09",
        "要求删除并更正征信不良记录",
        "客户称从未逾期，征信报告却显示信用卡逾期两期，影响房贷审批。",
    ),
    (
        "04",
        "B04",
        "R11",
        "要求停止向亲友电话催收",
        "客户称贷款逾期后，催收人员多次致电其同事和亲属，造成困扰。",
    ),
    (
        "05",
        "B11",
        "R04",
        "要求披露信托计划底层资产情况",
        "客户认购集合资金信托计划后，季度报告未披露底层项目的逾期情况。",
    ),
    (
        "02",
        "B12",
        "R08",
        "要求赔偿因系统故障造成的交易损失",
        "客户称交易系统开盘后卡顿约二十分钟，无法卖出股票，损失约两万元。",
    ),
    (
        "03",
        "B02",
        "R07",
        "要求取消捆绑开通的短信收费服务",
        "客户办理借记卡时被默认开通短信通知服务并按月扣费，未经本人同意。",
    ),
]

# (state, received days ago, intake, case index, extra)
SCENARIOS = [
    (State.RECEIVED, 1, Intake.CUSTOMER_PAGE, 0, {}),
    (State.RECEIVED, 3, Intake.REGULATOR, 7, {}),
    (State.RECEIVED, 2, Intake.COUNTER, 3, {"anonymous": True}),
    (State.ACCEPTED, 4, Intake.CUSTOMER_PAGE, 1, {}),
    (State.ACCEPTED, 6, Intake.COUNTER, 2, {}),
    (State.NOT_ACCEPTED, 9, Intake.COUNTER, 3, {}),
    (State.IN_HANDLING, 8, Intake.CUSTOMER_PAGE, 4, {"pause": True}),
    (State.IN_HANDLING, 13, Intake.CUSTOMER_PAGE, 5, {}),
    (State.IN_HANDLING, 20, Intake.CUSTOMER_PAGE, 6, {"extend": True}),
    (State.IN_HANDLING, 25, Intake.COUNTER, 8, {}),
    (State.DECISION_ISSUED, 18, Intake.CUSTOMER_PAGE, 9, {}),
    (State.DECISION_ISSUED, 30, Intake.CUSTOMER_PAGE, 1, {}),
    (State.REVIEW_REQUESTED, 35, Intake.CUSTOMER_PAGE, 0, {}),
    (State.REVIEW_DECIDED, 60, Intake.CUSTOMER_PAGE, 4, {}),
    (State.CLOSED, 45, Intake.CUSTOMER_PAGE, 2, {"satisfaction": 5}),
    (State.CLOSED, 70, Intake.COUNTER, 3, {"satisfaction": 4}),
    (State.CLOSED, 100, Intake.CUSTOMER_PAGE, 6, {"satisfaction": 2}),
    (State.CLOSED, 130, Intake.CUSTOMER_PAGE, 9, {"satisfaction": 3}),
    (State.CLOSED, 160, Intake.CUSTOMER_PAGE, 5, {"satisfaction": 5, "via_review": True}),
    (State.CLOSED, 15, Intake.COUNTER, 3, {"not_accepted": True}),
    (State.WITHDRAWN, 10, Intake.CUSTOMER_PAGE, 8, {}),
    (State.WITHDRAWN, 40, Intake.COUNTER, 2, {}),
]

PATH = {
    State.RECEIVED: [],
    State.ACCEPTED: [State.ACCEPTED],
    State.NOT_ACCEPTED: [State.NOT_ACCEPTED],
    State.IN_HANDLING: [State.ACCEPTED, State.IN_HANDLING],
    State.DECISION_ISSUED: [State.ACCEPTED, State.IN_HANDLING, State.DECISION_ISSUED],
    State.REVIEW_REQUESTED: [
        State.ACCEPTED,
        State.IN_HANDLING,
        State.DECISION_ISSUED,
        State.REVIEW_REQUESTED,
    ],
    State.REVIEW_DECIDED: [
        State.ACCEPTED,
        State.IN_HANDLING,
        State.DECISION_ISSUED,
        State.REVIEW_REQUESTED,
        State.REVIEW_DECIDED,
    ],
    State.CLOSED: [State.ACCEPTED, State.IN_HANDLING, State.DECISION_ISSUED, State.CLOSED],
    State.WITHDRAWN: [State.ACCEPTED, State.WITHDRAWN],
}

FIELDS = {
    State.ACCEPTED: {"notice_via": "sms", "notice_evidence": "短信平台回执"},
    State.NOT_ACCEPTED: {
        "notice_via": "post",
        "reason": "投诉事项已由人民法院受理，依规不予受理。",
        "notice_evidence": "挂号信 XA12345678CN",
    },
    State.IN_HANDLING: {},
    State.DECISION_ISSUED: {
        "decision": "经调查核实，同意退还相关费用并就服务不到位致歉；其余诉求缺乏依据，不予支持。",
        "remedies": ["review", "mediation", "arbitration", "litigation"],
        "notice_via": "in_person",
        "notice_evidence": "客户签收回执",
    },
    State.REVIEW_REQUESTED: {"review_reason": "投诉人认为处理决定未考虑其提供的录音证据。"},
    State.REVIEW_DECIDED: {
        "review_result": "经核查，维持原处理决定。",
        "notice_via": "post",
        "notice_evidence": "挂号信 XA87654321CN",
    },
    State.WITHDRAWN: {"withdrawn_reason": "投诉人与网点协商一致，主动撤回投诉。"},
}


def _withdraw_with_confirmation(rm, officer, c, reason) -> None:
    from crm.core import approvals

    req = services.complaint_request_withdrawal(rm, c.pk, reason=reason)
    approvals.approval_decide(officer, req.pk, approve=True, note="已电话核实投诉人撤回意愿。")


def seed_complaints(*, stdout, customers: int, users: dict) -> None:
    rms = [users[u] for u in ("rm1", "rm2", "rm3", "rm4") if u in users]
    officer, second = users.get("compliance1"), users.get("compliance2")
    if not rms or officer is None:
        stdout.write("  complaints: demo users missing, skipped")
        return
    if Complaint.objects.filter(logged_by__in=[*rms, officer]).exists():
        stdout.write("  complaints: already seeded")
        return
    codes = {
        "channel": {c.code: c for c in Channel.objects.all()},
        "category": {c.code: c for c in BusinessCategory.objects.all()},
        "cause": {c.code: c for c in Cause.objects.all()},
    }
    products = list(Product.objects.order_by("code")[:10])
    now = timezone.now()
    made = 0
    for i, (state, days_ago, intake, case_no, extra) in enumerate(SCENARIOS):
        rm = rms[i % len(rms)]
        customer = (
            Customer.objects.filter(owner=rm)
            .order_by("number")[i // len(rms) : i // len(rms) + 1]
            .first()
        )
        channel, category, cause, demands, facts = CASES[case_no]
        anonymous = extra.get("anonymous", False)
        logged_by = officer if intake == Intake.REGULATOR else rm
        received = now - datetime.timedelta(days=days_ago, hours=i % 5)
        linked = (
            customer
            if intake == Intake.CUSTOMER_PAGE or (intake == Intake.REGULATOR and customer)
            else None
        )
        c = services.complaint_log(
            logged_by,
            intake=intake,
            customer=linked,
            is_anonymous=anonymous,
            complainant_name="" if anonymous or linked else ["钱先生", "孙女士", "周先生"][i % 3],
            complainant_contact="" if anonymous else f"139{i:08d}",
            channel=codes["channel"].get("05" if intake == Intake.REGULATOR else channel),
            business_category=codes["category"][category],
            cause=codes["cause"][cause],
            product=products[i % len(products)]
            if products and category in ("B06", "B07", "B11")
            else None,
            received_at=received,
            demands=demands,
            facts=facts,
            regulator_reference=f"监管转办〔{received:%Y}〕{100 + i}号"
            if intake == Intake.REGULATOR
            else "",
        )
        path = PATH[state]
        if extra.get("not_accepted"):
            path = [State.NOT_ACCEPTED, State.CLOSED]
        if extra.get("via_review"):
            path = PATH[State.REVIEW_DECIDED] + [State.CLOSED]
        step_at = received
        for step in path:
            step_at = min(
                step_at + datetime.timedelta(days=max(days_ago // (len(path) + 1), 1)), now
            )
            fields = dict(FIELDS.get(step, {}))
            if step == State.CLOSED:
                fields["satisfaction"] = extra.get("satisfaction", 4)
            actor = officer
            if step in (State.REVIEW_REQUESTED, State.WITHDRAWN):
                actor = rm if c.customer_id and c.customer.owner_id == rm.pk else officer
            if step == State.WITHDRAWN and actor is rm and path.index(step) > 0:
                # Accepted already: the RM asks, compliance confirms (services.withdrawal).
                _withdraw_with_confirmation(rm, officer, c, fields["withdrawn_reason"])
                continue
            services.complaint_transition(actor, c.pk, step, now=step_at, **fields)
        if extra.get("pause"):
            services.complaint_pause_clock(
                officer, c.pk, reason="appraisal", note="委托第三方鉴定录音真实性"
            )
        if extra.get("extend") and second is not None:
            req = services.complaint_request_extension(
                officer, c.pk, reason="案情复杂，需调取交易记录和录音", notice_via="sms"
            )
            from crm.core import approvals

            approvals.approval_decide(second, req.pk, approve=True, note="同意延长")
        made += 1
    result = services.complaints_sweep_deadlines()
    stdout.write(f"  complaints: {made} in every state; sweep {result}")
