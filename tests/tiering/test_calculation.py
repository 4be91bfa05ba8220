"""The database path: one INSERT … SELECT per run; it must agree with tiering.rules."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.audit.models import AuditEntry
from customers.records.models import Customer
from tests.factories import InstitutionFactory
from tiering import rules, selectors, services
from tiering.models import TierAssignment, TierPolicy, TierRun

from .factories import AS_OF, MONTH, CustomerFactory, PolicyFactory, contribute

pytestmark = pytest.mark.django_db


def _classes(run):
    return {
        a.customer.number: a.computed_class
        for a in TierAssignment.objects.filter(run=run).select_related("customer")
    }


def test_classes_follow_pareto_and_inputs_are_stored(policy, rm):
    amounts = {"C001": 500, "C002": 300, "C003": 150, "C004": 50, "C005": 0, "C006": -20}
    customers = {}
    for number, amount in amounts.items():
        customers[number] = CustomerFactory(number=number, owner=rm, aum=D(600_000))
        contribute(customers[number], amount)
    run = services.run_recalculate(AS_OF, policy=policy)
    assert run.status == TierRun.Status.APPLIED
    # total 1000: C001 50 %, C002 crosses 80 % → A; C003 crosses 95 % → B
    assert _classes(run) == {
        "C001": "A",
        "C002": "A",
        "C003": "B",
        "C004": "C",
        "C005": "C",
        "C006": "C",
    }
    row = TierAssignment.objects.get(run=run, customer=customers["C002"])
    assert (row.contribution, row.rank, row.cumulative_before) == (D("300.00"), 2, D("500.00"))
    assert row.cumulative_share == D("0.800000")
    assert row.policy_version == policy.version
    assert row.capital_segment == "medium" and row.vip_level == "platinum"
    assert Customer.objects.get(number="C003").tier == "B"
    assert Customer.objects.get(number="C001").vip_level == "platinum"
    assert (run.count_a, run.count_b, run.count_c, run.customers) == (2, 1, 3, 6)


def test_window_excludes_old_and_future_months(policy, rm):
    customer = CustomerFactory(owner=rm)
    contribute(customer, 100, month=MONTH)
    contribute(customer, 1000, month=datetime.date(2025, 6, 1))  # 13 months back: outside
    contribute(customer, 1000, month=datetime.date(2026, 7, 1))  # after as_of: outside
    contribute(customer, 10, month=datetime.date(2025, 7, 1))  # first month of the window
    run = services.run_recalculate(AS_OF, policy=policy)
    assert TierAssignment.objects.get(run=run).contribution == D("110.00")


def test_brokerage_formula_in_sql_matches_rules(rm):
    policy = PolicyFactory(formula=TierPolicy.Formula.BROKERAGE)
    customer = CustomerFactory(owner=rm)
    rows = []
    for month, margin, volume, rebate in [
        (MONTH, "1200000", "3000000", "80"),
        (datetime.date(2026, 5, 1), "600000", "0", "15.5"),
    ]:
        rows.append(
            contribute(
                customer,
                0,
                month=month,
                margin_balance=D(margin),
                deposit_spread=D("0.015"),
                commission_rate=D("0.0003"),
                trade_volume=D(volume),
                rebate=D(rebate),
            )
        )
    run = services.run_recalculate(AS_OF, policy=policy)
    expected = rules.to_cents(
        sum(
            rules.brokerage_contribution(
                r.margin_balance,
                r.deposit_spread,
                D(1) / 12,
                r.commission_rate,
                r.trade_volume,
                r.rebate,
            )
            for r in rows
        )
    )
    assert TierAssignment.objects.get(run=run).contribution == expected


def test_custom_weights(rm):
    policy = PolicyFactory(
        formula=TierPolicy.Formula.CUSTOM, weights={"commission": 1, "rebate": -1}
    )
    customer = CustomerFactory(owner=rm)
    contribute(customer, 999, commission=D(500), rebate=D(120))
    run = services.run_recalculate(AS_OF, policy=policy)
    assert TierAssignment.objects.get(run=run).contribution == D("380.00")


def test_institutions_and_vip_criteria(rm):
    policy = PolicyFactory(vip_min_trades=10)
    busy = CustomerFactory(owner=rm, aum=D(7_000_000))
    idle = CustomerFactory(owner=rm, aum=D(7_000_000))
    inst = InstitutionFactory(owner=rm, aum=D(100))
    contribute(busy, 10, trade_count=12)
    contribute(idle, 10, trade_count=1)
    run = services.run_recalculate(AS_OF, policy=policy)
    rows = {a.customer_id: a for a in TierAssignment.objects.filter(run=run)}
    assert rows[busy.pk].vip_level == "private" and rows[busy.pk].capital_segment == "large"
    assert rows[idle.pk].vip_level == "ordinary"
    assert rows[inst.pk].capital_segment == "institution"
    assert rows[inst.pk].computed_class == "C"  # no aggregates at all: zero contribution


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(st.integers(min_value=-5000, max_value=200000), min_size=1, max_size=25),
    st.sampled_from([(D("0.80"), D("0.95")), (D("0.5"), D("0.9")), (D("0.7"), D("0.7"))]),
)
def test_database_agrees_with_pareto_classes(rm, amounts, shares):
    with transaction.atomic():
        policy = PolicyFactory(a_share=shares[0], b_share=shares[1])
        for i, cents in enumerate(amounts):
            customer = CustomerFactory(number=f"H{i:05d}", owner=rm)
            contribute(customer, D(cents) / 100)
            if i % 3 == 0:  # a second month for some customers
                contribute(customer, D(cents % 997) / 100, month=datetime.date(2026, 1, 1))
        run = services.run_recalculate(AS_OF, policy=policy)
        stored = {
            a.customer.number: a
            for a in TierAssignment.objects.filter(run=run).select_related("customer")
        }
        expected = rules.pareto_classes(
            {k: a.contribution for k, a in stored.items()}, shares[0], shares[1]
        )
        assert {k: a.computed_class for k, a in stored.items()} == expected
        ranks = sorted(stored, key=lambda k: (-stored[k].contribution, k))
        assert [stored[k].rank for k in ranks] == list(range(1, len(ranks) + 1))
        transaction.set_rollback(True)


def _run_with(policy, customer, amount, as_of):
    customer.aggregates.all().delete()
    contribute(customer, amount, month=as_of.replace(day=1))
    return services.run_recalculate(as_of, policy=policy)


def test_downgrade_waits_for_grace_upgrade_is_immediate(policy, rm):
    top = CustomerFactory(owner=rm, number="G1")
    other = CustomerFactory(owner=rm, number="G2")
    months = [datetime.date(2026, m, 28) for m in range(1, 7)]
    applied = []
    # top is A in run 1, then falls to C for 3 runs, then recovers
    for as_of, amount in zip(months, [1000, 1, 1, 1, 1, 1000], strict=True):
        other.aggregates.all().delete()
        contribute(other, 500, month=as_of.replace(day=1))
        run = _run_with(policy, top, amount, as_of)
        row = TierAssignment.objects.get(run=run, customer=top)
        applied.append((row.computed_class, row.applied_class))
    assert applied[0] == ("A", "A")
    assert applied[1] == ("C", "A") and applied[2] == ("C", "A")  # held by grace
    assert applied[3] == ("C", "C")  # third run lower: downgrade
    assert applied[5] == ("A", "A")  # upgrade at once
    assert Customer.objects.get(pk=top.pk).tier == "A"


def test_rerun_for_the_same_date_has_no_double_effect(policy, rm):
    customer = CustomerFactory(owner=rm)
    contribute(customer, 100)
    first = services.run_recalculate(AS_OF, policy=policy)
    audit = AuditEntry.objects.count()
    again = services.run_recalculate(AS_OF, policy=policy)
    assert again.pk == first.pk
    assert TierAssignment.objects.count() == 1 and TierRun.objects.count() == 1
    assert AuditEntry.objects.count() == audit
    forced = services.run_recalculate(AS_OF, policy=policy, force=True)
    assert forced.pk == first.pk and TierAssignment.objects.count() == 1
    assert forced.customers_changed == 0  # same answer: nothing to write


def test_interrupted_run_is_resumed(policy, rm):
    customer = CustomerFactory(owner=rm)
    contribute(customer, 100)
    TierRun.objects.create(
        as_of=AS_OF, policy=policy, policy_version=policy.version, status=TierRun.Status.RUNNING
    )
    run = services.run_recalculate(AS_OF, policy=policy)
    assert run.status == TierRun.Status.APPLIED and run.customers == 1
    assert Customer.objects.get(pk=customer.pk).tier == "A"


def test_earlier_date_after_a_later_run_is_refused(policy, rm):
    contribute(CustomerFactory(owner=rm), 100)
    services.run_recalculate(AS_OF, policy=policy)
    with pytest.raises(ValidationError):
        services.run_recalculate(datetime.date(2026, 5, 31), policy=policy)


def test_draft_cannot_run_live(rm):
    draft = PolicyFactory(status=TierPolicy.Status.DRAFT)
    with pytest.raises(ValidationError):
        services.run_recalculate(AS_OF, policy=draft)


def test_what_if_leaves_live_data_untouched(policy, rm, admin_user):
    a = CustomerFactory(owner=rm)
    b = CustomerFactory(owner=rm)
    contribute(a, 900)
    contribute(b, 100)
    live = services.run_recalculate(AS_OF, policy=policy)
    before = list(Customer.objects.order_by("pk").values_list("pk", "tier", "vip_level"))
    live_rows = list(
        TierAssignment.objects.filter(run=live).values_list("customer_id", "applied_class")
    )
    draft = services.policy_draft(admin_user, policy, a_share=D("0.95"), b_share=D("0.99"))
    run = services.policy_what_if(draft, AS_OF + datetime.timedelta(days=1), acting_user=admin_user)
    assert run.kind == TierRun.Kind.WHAT_IF
    assert _classes(run)[b.number] == "A"  # would move up under the draft
    assert list(Customer.objects.order_by("pk").values_list("pk", "tier", "vip_level")) == before
    assert (
        list(TierAssignment.objects.filter(run=live).values_list("customer_id", "applied_class"))
        == live_rows
    )
    assert TierPolicy.objects.get(pk=draft.pk).status == TierPolicy.Status.DRAFT
    # the next live run's grace ignores what-if runs
    assert services.calculation.previous_live_run(AS_OF + datetime.timedelta(days=40)) == live


def test_publish_retires_the_previous_policy(policy, admin_user):
    draft = services.policy_draft(admin_user, policy, name="v2")
    services.policy_publish(admin_user, draft)
    policy.refresh_from_db()
    assert policy.status == TierPolicy.Status.RETIRED
    assert selectors.published_policy().pk == draft.pk


def test_publish_needs_permission(policy, rm):
    draft = PolicyFactory(status=TierPolicy.Status.DRAFT)
    with pytest.raises(PermissionDenied):
        services.policy_publish(rm, draft)


money = st.decimals(min_value=0, max_value=5_000_000, places=2, allow_nan=False)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(money, money, st.decimals(min_value=0, max_value=20_000, places=2)),
        min_size=1,
        max_size=6,
    )
)
def test_brokerage_contribution_in_sql_agrees_with_rules(rm, months):
    """Per customer and month: margin × spread × 1/12 + rate × volume − rebate, summed over the
    window and rounded to cents. Exact on PostgreSQL; SQLite computes in floating point, so
    allow one cent there."""
    with transaction.atomic():
        policy = PolicyFactory(formula=TierPolicy.Formula.BROKERAGE)
        customer = CustomerFactory(owner=rm)
        rows = []
        for i, (margin, volume, rebate) in enumerate(months):
            rows.append(
                contribute(
                    customer,
                    0,
                    month=datetime.date(2026, 6 - i, 1),
                    margin_balance=margin,
                    deposit_spread=D("0.0135"),
                    commission_rate=D("0.00025"),
                    trade_volume=volume,
                    rebate=rebate,
                )
            )
        run = services.run_recalculate(AS_OF, policy=policy)
        got = TierAssignment.objects.get(run=run).contribution
        expected = rules.to_cents(
            sum(
                rules.monthly_brokerage(
                    {
                        "margin_balance": r.margin_balance,
                        "deposit_spread": r.deposit_spread,
                        "commission_rate": r.commission_rate,
                        "trade_volume": r.trade_volume,
                        "rebate": r.rebate,
                    }
                )
                for r in rows
            )
        )
        tolerance = D(0) if connection.vendor == "postgresql" else D("0.01")
        assert abs(got - expected) <= tolerance
        transaction.set_rollback(True)


def test_customer_update_walks_customers_in_order(policy, rm):
    """The run's write to customers reads its rows sorted by customer, so a run that changes
    many customers updates the customer table and its indexes in order."""
    for amount in (300, 200, 100):
        contribute(CustomerFactory(owner=rm, tier="C"), amount)
    with CaptureQueriesContext(connection) as ctx:
        run = services.run_recalculate(AS_OF, policy=policy)
    assert run.customers_changed == 3
    (update,) = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith("UPDATE") and "customers_customer" in q["sql"].split("SET")[0]
    ]
    source = update.split(" FROM (", 1)[1].split(") AS s", 1)[0]
    assert source.endswith("ORDER BY 1 ASC")  # 1 = customer_id, the first column


def test_calculation_refreshes_statistics_and_tunes_its_transaction(postgres_only, policy, rm):
    """PostgreSQL: after the insert the planner knows the run's rows (the cells, summary and
    customer update join them by hash, not by one index probe per row); the statement ran
    without JIT and with enough memory for its aggregate; ids come 1,000 at a time."""
    for amount in (300, 200, 100):
        contribute(CustomerFactory(owner=rm), amount)
    services.run_recalculate(AS_OF, policy=policy)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'tiering_tierassignment'::regclass"
        )
        assert cursor.fetchone()[0] == 3
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == "256MB"
        cursor.execute(
            "SELECT seqcache FROM pg_sequence"
            " WHERE seqrelid = pg_get_serial_sequence('tiering_tierassignment', 'id')::regclass"
        )
        assert cursor.fetchone()[0] == 1000
