"""Factories shared by every app's tests: organisation, users by role, customers and products.

App-specific factories live beside their tests (tests/<app>/factories.py) and build on these.
"""

import datetime
import random
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from crm.accounts import roles
from crm.accounts.models import Branch, Team, User
from customers.records.models import (
    Contract,
    Customer,
    CustomerKind,
    Holding,
    InstitutionType,
    MonthlyAggregate,
    Product,
)

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def make_resident_id(birth: datetime.date, seq: int) -> str:
    """A valid GB 11643 number for this birth date (region 110105)."""
    body = f"110105{birth:%Y%m%d}{seq % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def make_uscc(seq: int) -> str:
    """A valid GB 32100 code (registry 9, kind 1, region 310000)."""
    body = f"91310000{seq:09d}"
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    check = (31 - total % 31) % 31
    return body + USCC_ALPHABET[check]


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"B{n:03d}")
    name = factory.Sequence(lambda n: f"测试支行{n}")
    level = Branch.Level.SUB_BRANCH
    parent = factory.LazyFunction(
        lambda: Branch.objects.get_or_create(
            code="HO", defaults={"name": "总行", "level": Branch.Level.HEAD_OFFICE}
        )[0]
    )


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"团队{n}")
    branch = factory.SubFactory(BranchFactory)


class UserFactory(factory.django.DjangoModelFactory):
    """A staff member; `role=` puts them in that role's group."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"员工{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.invalid")
    branch = factory.SubFactory(BranchFactory)
    team = factory.SubFactory(TeamFactory, branch=factory.SelfAttribute("..branch"))
    password = factory.django.Password("pw-Fiducia-2026")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            group, _ = Group.objects.get_or_create(name=extracted)
            self.groups.add(group)
            self.__dict__.pop("role_names", None)


def rm(**kwargs) -> User:
    return UserFactory(role=roles.RELATIONSHIP_MANAGER, **kwargs)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"P{n:05d}")
    name = factory.Sequence(lambda n: f"稳健理财{n}号")
    kind = Product.Kind.WEALTH
    risk_level = "R2"


class CustomerFactory(factory.django.DjangoModelFactory):
    """An individual customer with a valid resident ID, owned by an RM."""

    class Meta:
        model = Customer
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"C{n:08d}")
    kind = CustomerKind.INDIVIDUAL
    name = factory.Iterator(["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄婷"])
    owner = factory.SubFactory(UserFactory, role=roles.RELATIONSHIP_MANAGER)
    branch = factory.SelfAttribute("owner.branch")
    team = factory.SelfAttribute("owner.team")
    mobile = factory.Sequence(lambda n: f"138{n:08d}")
    email = factory.Sequence(lambda n: f"customer{n}@example.invalid")
    birth_date = factory.Sequence(lambda n: datetime.date(1960 + n % 40, 1 + n % 12, 1 + n % 28))
    risk_class = "C3"
    risk_assessed_on = factory.LazyFunction(
        lambda: timezone.localdate() - datetime.timedelta(days=30)
    )
    id_type = "resident_id"

    @factory.post_generation
    def id_number(self, create, extracted, **kwargs):
        value = extracted or make_resident_id(self.birth_date, self.pk or random.randint(1, 999))
        self.set_id_number(value)
        if create:
            self.save()


class InstitutionFactory(CustomerFactory):
    kind = CustomerKind.INSTITUTION
    institution_type = InstitutionType.TRUST
    name = factory.Sequence(lambda n: f"华信信托有限责任公司{n}")
    uscc = factory.Sequence(make_uscc)
    legal_representative = "周明"
    birth_date = None
    id_type = ""

    @factory.post_generation
    def id_number(self, create, extracted, **kwargs):
        pass


class HoldingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holding

    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(ProductFactory)
    market_value = Decimal("100000.00")
    as_of = factory.LazyFunction(timezone.localdate)


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(ProductFactory)
    number = factory.Sequence(lambda n: f"HT{n:08d}")
    title = "理财产品认购合同"
    amount = Decimal("500000.00")
    signed_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=200))
    starts_on = factory.SelfAttribute("signed_on")
    matures_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))


class MonthlyAggregateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MonthlyAggregate

    customer = factory.SubFactory(CustomerFactory)
    month = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    average_balance = Decimal("200000.00")
    margin_balance = Decimal("100000.00")
    deposit_spread = Decimal("0.020000")
    trade_count = 10
    trade_volume = Decimal("500000.00")
    commission = Decimal("1500.00")
    commission_rate = Decimal("0.000300")
    rebate = Decimal("100.00")
    fee_income = Decimal("300.00")
    net_interest_income = Decimal("400.00")
