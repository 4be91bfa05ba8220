"""Demo customers for `seed_demo` (DESIGN §5.1): realistic Chinese individuals and
institutions with valid ID numbers and credit codes, products R1–R5, holdings, contracts
(some maturing soon), 13 months of aggregates and risk assessments (some expiring soon).

Idempotent: customers are numbered D0000001…; a number that exists is left as it is, so a
second run adds nothing (and a larger --customers adds only the missing ones)."""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from customers.records.models import (
    Contract,
    Customer,
    CustomerKind,
    Holding,
    InstitutionContact,
    InstitutionType,
    KYCProfile,
    MonthlyAggregate,
    Product,
    RiskAssessment,
)
from customers.records.validators import resident_id_check_digit, uscc_check_char
from customers.records.validity import assessment_expires_on

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "文",
    "华",
    "志强",
    "晓明",
    "海燕",
    "玉兰",
    "丹",
    "萍",
    "鹏",
    "辉",
    "建国",
    "思远",
    "子涵",
    "雨桐",
    "浩然",
    "欣怡",
    "宇轩",
]
REGIONS = ["310115", "310104", "110105", "110108", "440305", "330106", "320106", "510107"]
CITIES = ["上海", "北京", "深圳", "杭州", "南京", "成都"]
INSTITUTIONS = [
    (InstitutionType.TRUST, "{city}国信信托有限责任公司"),
    (InstitutionType.TRUST, "{city}华鑫国际信托有限公司"),
    (InstitutionType.FUND, "{city}汇丰晋信基金管理有限公司"),
    (InstitutionType.FUND, "{city}博远基金管理有限公司"),
    (InstitutionType.INSURANCE, "{city}太平人寿保险股份有限公司"),
    (InstitutionType.INSURANCE, "{city}安盛财产保险有限公司"),
    (InstitutionType.CORPORATE, "{city}宏达实业集团有限公司"),
    (InstitutionType.CORPORATE, "{city}联创科技股份有限公司"),
    (InstitutionType.CORPORATE, "{city}新港物流有限公司"),
    (InstitutionType.OTHER_FI, "{city}金穗融资租赁有限公司"),
]
OCCUPATIONS = ["企业主", "医生", "教师", "工程师", "公务员", "律师", "退休", "会计师", "个体经营"]
PRODUCTS = [
    ("DEP-01", "结构性存款稳盈1号", Product.Kind.DEPOSIT, "R1", False),
    ("WM-R1-01", "天天利现金管理", Product.Kind.WEALTH, "R1", False),
    ("WM-R2-01", "稳健理财180天", Product.Kind.WEALTH, "R2", False),
    ("WM-R2-02", "安享固收一年期", Product.Kind.WEALTH, "R2", False),
    ("FD-R3-01", "均衡配置混合基金", Product.Kind.FUND, "R3", False),
    ("BD-R3-01", "国开债精选", Product.Kind.BOND, "R3", False),
    ("FD-R4-01", "成长精选股票基金", Product.Kind.FUND, "R4", False),
    ("TR-R4-01", "恒信集合资金信托计划", Product.Kind.TRUST, "R4", True),
    ("EQ-R5-01", "量化对冲私募", Product.Kind.EQUITY, "R5", True),
    ("TR-R5-01", "地产股权投资信托", Product.Kind.TRUST, "R5", True),
    ("INS-R1-01", "鑫享年金保险", Product.Kind.INSURANCE, "R1", False),
    ("CUS-R1-01", "资产托管服务", Product.Kind.CUSTODY, "R1", False),
]
RM_USERNAMES = ["rm1", "rm2", "rm3", "rm4"]


def _resident_id(rnd: random.Random, birth: datetime.date) -> str:
    body = f"{rnd.choice(REGIONS)}{birth:%Y%m%d}{rnd.randint(0, 999):03d}"
    return body + resident_id_check_digit(body)


def _uscc(index: int) -> str:
    body = f"91{rnd_region(index)}{index:09d}"[:17]
    return body + uscc_check_char(body)


def rnd_region(index: int) -> str:
    return ["310000", "110000", "440300", "330100"][index % 4]


def seed_products() -> list[Product]:
    out = []
    for code, name, kind, risk, qualified in PRODUCTS:
        product, _ = Product.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "risk_level": risk,
                "requires_qualified_investor": qualified,
            },
        )
        out.append(product)
    return out


def _months(today: datetime.date, n: int) -> list[datetime.date]:
    first = today.replace(day=1)
    out = []
    for _ in range(n):
        out.append(first)
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return out[::-1]


def seed_customers(*, stdout, customers: int, users: dict) -> None:
    products = seed_products()
    rms = [users[u] for u in RM_USERNAMES if u in users]
    if not rms:
        return
    existing = set(Customer.objects.filter(number__startswith="D").values_list("number", flat=True))
    today = timezone.localdate()
    months = _months(today, 13)
    created = 0
    for start in range(0, customers, 100):
        with transaction.atomic():
            for index in range(start, min(start + 100, customers)):
                number = f"D{index + 1:07d}"
                if number not in existing:
                    _seed_one(index, number, rms, products, today, months)
                    created += 1
    stdout.write(f"  customers: {created} created, {customers - created} already present")


def _seed_one(index, number, rms, products, today, months) -> None:
    rnd = random.Random(index)  # deterministic per customer: re-seeding builds the same data
    owner = rms[index % len(rms)]
    is_institution = index % 5 == 0
    customer = Customer(
        number=number, owner=owner, branch_id=owner.branch_id, team_id=owner.team_id
    )
    if is_institution:
        itype, pattern = INSTITUTIONS[rnd.randrange(len(INSTITUTIONS))]
        customer.kind = CustomerKind.INSTITUTION
        customer.institution_type = itype
        customer.name = pattern.format(city=rnd.choice(CITIES)) + (
            "" if index < 50 else f"（{index}）"
        )
        customer.uscc = _uscc(index + 1)
        customer.legal_representative = rnd.choice(SURNAMES) + rnd.choice(GIVEN)
        customer.address = f"{rnd.choice(CITIES)}市金融街{rnd.randint(1, 300)}号"
    else:
        birth = datetime.date(rnd.randint(1950, 2000), rnd.randint(1, 12), rnd.randint(1, 28))
        customer.kind = CustomerKind.INDIVIDUAL
        customer.name = rnd.choice(SURNAMES) + rnd.choice(GIVEN)
        customer.id_type = "resident_id"
        customer.set_id_number(_resident_id(rnd, birth))
        customer.birth_date = birth
        customer.gender = rnd.choice("MF")
        customer.occupation = rnd.choice(OCCUPATIONS)
        customer.mobile = f"1{rnd.choice('3589')}{rnd.randint(0, 999_999_999):09d}"
        customer.email = f"client{index + 1}@example.cn"
        customer.address = f"{rnd.choice(CITIES)}市{rnd.choice(['浦东新区', '朝阳区', '南山区'])}"
        customer.id_expires_on = today + datetime.timedelta(days=rnd.randint(10, 3000))
    # A quarter of assessments expire within 30 days (valid 12 months).
    assessed_days_ago = rnd.randint(336, 364) if index % 4 == 0 else rnd.randint(10, 300)
    customer.risk_assessed_on = today - datetime.timedelta(days=assessed_days_ago)
    customer.risk_class = rnd.choice(["C1", "C2", "C3", "C3", "C4", "C5"])
    customer.save()

    scale = Decimal(rnd.choice([30_000, 200_000, 800_000, 3_000_000, 8_000_000]))
    if is_institution:
        scale *= 20
        InstitutionContact.objects.bulk_create(
            [
                InstitutionContact(
                    customer=customer,
                    name=rnd.choice(SURNAMES) + rnd.choice(GIVEN),
                    role=role,
                    title=title,
                    mobile=f"139{rnd.randint(0, 99_999_999):08d}",
                    is_primary=primary,
                )
                for role, title, primary in [
                    (InstitutionContact.Role.FINANCE, "财务总监", True),
                    (InstitutionContact.Role.OPERATIONS, "运营经理", False),
                ]
            ]
        )
    max_risk = int(customer.risk_class[1])
    eligible = [p for p in products if int(p.risk_level[1]) <= max_risk]
    held = rnd.sample(eligible, k=min(len(eligible), rnd.randint(1, 4)))
    holdings = [
        Holding(
            customer=customer,
            product=p,
            account_number=f"6222{rnd.randint(0, 10**15 - 1):015d}",
            market_value=(scale * Decimal(rnd.uniform(0.2, 1.0))).quantize(Decimal("0.01")),
            as_of=today,
        )
        for p in held
    ]
    Holding.objects.bulk_create(holdings)
    customer.aum = sum(h.market_value for h in holdings)
    customer.save(update_fields=["aum"])
    for k, product in enumerate(held[:2]):
        signed = today - datetime.timedelta(days=rnd.randint(60, 700))
        matures = today + datetime.timedelta(
            days=rnd.randint(7, 30) if k == 0 and index % 3 == 0 else rnd.randint(31, 700)
        )
        Contract.objects.create(
            customer=customer,
            product=product,
            number=f"HT{number}{k}",
            title=f"{product.name}认购合同",
            amount=holdings[k].market_value,
            signed_on=signed,
            starts_on=signed,
            matures_on=matures,
            terms="到期自动赎回，收益按实际天数计算。",
        )
    MonthlyAggregate.objects.bulk_create(
        [
            MonthlyAggregate(
                customer=customer,
                month=month,
                average_balance=(customer.aum * Decimal(rnd.uniform(0.8, 1.1))).quantize(
                    Decimal("0.01")
                ),
                margin_balance=(customer.aum * Decimal("0.1")).quantize(Decimal("0.01")),
                deposit_spread=Decimal("0.015"),
                trade_count=rnd.randint(0, 30),
                trade_volume=(customer.aum * Decimal(rnd.uniform(0, 0.5))).quantize(
                    Decimal("0.01")
                ),
                commission=Decimal(rnd.randint(0, 5000)),
                commission_rate=Decimal("0.0003"),
                rebate=Decimal(rnd.randint(0, 300)),
                fee_income=(customer.aum * Decimal("0.0004")).quantize(Decimal("0.01")),
                net_interest_income=(customer.aum * Decimal(rnd.uniform(0.0005, 0.0015))).quantize(
                    Decimal("0.01")
                ),
            )
            for month in months
        ]
    )
    assessed_at = timezone.make_aware(
        datetime.datetime.combine(customer.risk_assessed_on, datetime.time(10, 0))
    )
    RiskAssessment.objects.bulk_create(
        [
            RiskAssessment(
                customer=customer,
                risk_class=customer.risk_class,
                score=rnd.randint(20, 95),
                assessed_at=assessed_at,
                valid_until=assessment_expires_on(customer.risk_assessed_on),
            ),
            RiskAssessment(
                customer=customer,
                risk_class=rnd.choice(["C2", "C3"]),
                score=rnd.randint(20, 95),
                assessed_at=assessed_at - datetime.timedelta(days=365),
                valid_until=customer.risk_assessed_on,
            ),
        ]
    )
    experience = rnd.randint(0, 15)
    assets = scale * Decimal(rnd.uniform(1.0, 3.0))
    qualified = experience >= 2 and assets >= 3_000_000
    KYCProfile.objects.create(
        customer=customer,
        financial_status=rnd.choice(["收入稳定", "经营性收入为主", "资产配置多元"]),
        financial_assets=assets.quantize(Decimal("0.01")),
        investment_experience_years=experience,
        investment_preference=rnd.choice(["固定收益", "稳健增值", "权益类", "另类投资"]),
        investment_horizon=rnd.choice(["short", "medium", "long"]),
        needs=rnd.choice(["子女教育金规划", "养老规划", "企业现金管理", "资产传承"]),
        is_qualified_investor=qualified,
        qualified_evidence="金融资产证明（银行流水）" if qualified else "",
        qualified_verified_on=today - datetime.timedelta(days=90) if qualified else None,
    )
