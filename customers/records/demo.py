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
# Districts that belong to each city, with streets in them: an address never pairs a city
# with another city's district (浦东新区 is in 上海, 南山区 in 深圳).
CITY_DISTRICTS = {
    "上海": {
        "浦东新区": "世纪大道",
        "黄浦区": "中山东一路",
        "徐汇区": "漕溪北路",
        "静安区": "南京西路",
    },
    "北京": {
        "朝阳区": "建国路",
        "海淀区": "中关村大街",
        "西城区": "金融大街",
        "东城区": "东长安街",
    },
    "深圳": {
        "南山区": "科技南路",
        "福田区": "深南大道",
        "罗湖区": "人民南路",
        "宝安区": "宝安大道",
    },
    "杭州": {"西湖区": "文三路", "上城区": "解放路", "滨江区": "江南大道", "拱墅区": "湖墅南路"},
    "南京": {"鼓楼区": "中山北路", "建邺区": "江东中路", "玄武区": "珠江路", "秦淮区": "中华路"},
    "成都": {"锦江区": "红星路", "武侯区": "人民南路", "青羊区": "西御街", "高新区": "天府大道"},
}
CITIES = list(CITY_DISTRICTS)
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


def _address(rnd: random.Random, city: str) -> str:
    district, street = rnd.choice(list(CITY_DISTRICTS[city].items()))
    return f"{city}市{district}{street}{rnd.randint(1, 999)}号"


def institution_name(ordinal: int) -> tuple[InstitutionType, str, str]:
    """(type, name, city) of the `ordinal`-th demo institution; no two ordinals share a name.

    The first len(INSTITUTIONS) × len(CITIES) are the head offices (every pattern in every
    city, scattered by a fixed stride); later ones are their branch offices (分公司) in each of
    the city's districts, then numbered branch offices, as real group companies have."""
    heads = len(INSTITUTIONS) * len(CITIES)
    # 7 is coprime with 60: consecutive ordinals visit different patterns and cities.
    slot = (ordinal * 7) % heads if heads % 7 else ordinal % heads
    itype, pattern = INSTITUTIONS[slot % len(INSTITUTIONS)]
    city = CITIES[slot // len(INSTITUTIONS)]
    name = pattern.format(city=city)
    round_, districts = ordinal // heads, list(CITY_DISTRICTS[city])
    if round_ == 0:
        return itype, name, city
    district = districts[(round_ - 1) % len(districts)].removesuffix("新区").removesuffix("区")
    number = (round_ - 1) // len(districts)
    suffix = f"{district}分公司" if number == 0 else f"{district}第{number + 1}分公司"
    return itype, name + suffix, city


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
        itype, customer.name, city = institution_name(index // 5)
        customer.kind = CustomerKind.INSTITUTION
        customer.institution_type = itype
        customer.uscc = _uscc(index + 1)
        customer.legal_representative = rnd.choice(SURNAMES) + rnd.choice(GIVEN)
        customer.address = _address(rnd, city)
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
        customer.address = _address(rnd, rnd.choice(CITIES))
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
    # Customers joined over the last few years (a book is not all new this quarter), and their
    # balances drift gently month to month (a book grows a few per cent a quarter, not ±15 %).
    # Institutions are long-standing relationships (a new one would swing a quarter's AUM
    # growth by hundreds of millions); individuals join all the time.
    joined_days_ago = rnd.randint(400 if is_institution else 20, 5 * 365)
    customer.created_at = timezone.now() - datetime.timedelta(days=joined_days_ago)
    customer.save(update_fields=["aum", "created_at"])
    joined = timezone.localdate(customer.created_at).replace(day=1)
    held_months = [m for m in months if m >= joined]
    monthly_growth = rnd.uniform(-0.004, 0.012)
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
                average_balance=(
                    customer.aum
                    * Decimal((1 + monthly_growth) ** (age - len(held_months) + 1))
                    * Decimal(rnd.uniform(0.99, 1.01))
                ).quantize(Decimal("0.01")),
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
            for age, month in enumerate(held_months)
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
