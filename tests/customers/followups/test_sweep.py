"""The daily sweep: cadence per tier and VIP level, each event trigger, idempotence, and a
crash in the middle followed by a rerun (DESIGN §5.2)."""

import datetime
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from crm.audit import chain
from crm.core.models import CalendarDay, Notification
from customers.contacts import cadence, reminders
from customers.contacts.models import CadenceRule, ReminderDelivery
from customers.records.models import FollowUpReason, FollowUpTask
from tests.factories import ContractFactory, CustomerFactory

from .factories import InteractionFactory, TaskFactory

pytestmark = pytest.mark.django_db
D = datetime.date(2026, 6, 15)  # a Monday


def at(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def sweep(day=D):
    return reminders.run_sweep(day, send=lambda user_id, d: reminders.send_digest(user_id, d))


def tasks(reason=None):
    qs = FollowUpTask.objects.all()
    return qs.filter(reason=reason) if reason else qs


def cust(**kw):
    kw.setdefault("risk_assessed_on", D - datetime.timedelta(days=100))
    kw.setdefault("birth_date", datetime.date(1970, 1, 1))
    return CustomerFactory(**kw)


# ---- cadence --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "months"), [("A", 3), ("B", 6), ("C", 12)], ids=["A-quarterly", "B-half", "C-year"]
)
def test_cadence_per_tier(tier, months):
    inside = cadence.months_before(D, months) + datetime.timedelta(days=3)
    outside = cadence.months_before(D, months) - datetime.timedelta(days=3)
    recent = cust(tier=tier)
    InteractionFactory(customer=recent, occurred_at=at(inside))
    lapsed = cust(tier=tier)
    InteractionFactory(customer=lapsed, occurred_at=at(outside))
    never = cust(tier=tier)
    sweep()
    flagged = set(tasks(FollowUpReason.CADENCE).values_list("customer_id", flat=True))
    assert flagged == {lapsed.pk, never.pk}
    task = tasks(FollowUpReason.CADENCE).get(customer=lapsed)
    assert task.owner == lapsed.owner
    assert task.cadence_rule.tier == tier
    assert task.status == "open"


def test_cadence_email_does_not_count_as_touch_point():
    customer = cust(tier="A")
    InteractionFactory(
        customer=customer, channel="email", occurred_at=at(D - datetime.timedelta(days=5))
    )
    sweep()
    assert tasks(FollowUpReason.CADENCE).filter(customer=customer).count() == 1


def test_vip_two_plus_n_needs_two_touches_a_month_and_a_quarterly_visit():
    one_touch = cust(tier="A", vip_level="private")
    InteractionFactory(
        customer=one_touch, channel="phone", occurred_at=at(D - datetime.timedelta(days=3))
    )
    ok = cust(tier="A", vip_level="private")
    InteractionFactory(customer=ok, channel="phone", occurred_at=at(D - datetime.timedelta(days=3)))
    InteractionFactory(
        customer=ok, channel="visit", occurred_at=at(D - datetime.timedelta(days=20))
    )
    sweep()
    by_rule = {(t.customer_id, t.cadence_rule.period_months) for t in tasks(FollowUpReason.CADENCE)}
    # one_touch: monthly 2+N gap and no visit this quarter; ok: both met. One open cadence task
    # per customer: the monthly rule's (rules in order); the quarterly visit follows once the
    # monthly task is closed and the visit is still missing.
    assert by_rule == {(one_touch.pk, 1)}
    # VIP rules take precedence: the A-tier quarterly rule is not applied on top.
    assert not tasks(FollowUpReason.CADENCE).filter(cadence_rule__tier="A").exists()
    tasks(FollowUpReason.CADENCE).update(status="done")
    sweep(D + datetime.timedelta(days=1))
    open_tasks = tasks(FollowUpReason.CADENCE).filter(status="open")
    assert [(t.customer_id, t.cadence_rule.period_months) for t in open_tasks] == [
        (one_touch.pk, 3)
    ]


def test_cadence_due_date_counts_working_days():
    CalendarDay.objects.create(date=D + datetime.timedelta(days=1), kind="holiday", name="测试假日")
    customer = cust(tier="C")
    sweep()
    task = tasks(FollowUpReason.CADENCE).get(customer=customer)
    rule = task.cadence_rule
    assert rule.working_days and rule.due_in_days == 5
    # Mon 15 + 5 working days; Tue 16 (test) and Fri 19 (Dragon Boat Festival) are holidays:
    # Wed 17, Thu 18, Mon 22, Tue 23, Wed 24.
    assert task.due_on == datetime.date(2026, 6, 24)


def test_cadence_rules_are_data(admin_client):
    customer = cust(tier="B")
    InteractionFactory(customer=customer, occurred_at=at(D - datetime.timedelta(days=100)))
    sweep()
    assert not tasks(FollowUpReason.CADENCE).exists()  # B = half-yearly: in cadence
    CadenceRule.objects.filter(tier="B").update(period_months=3)
    sweep()
    assert tasks(FollowUpReason.CADENCE).filter(customer=customer).count() == 1


def test_no_second_cadence_task_while_one_is_open_then_next_period_after_skip():
    customer = cust(tier="A")
    sweep()
    sweep(D + datetime.timedelta(days=40))  # next quarter bucket? still open → nothing new
    assert tasks(FollowUpReason.CADENCE).count() == 1
    tasks(FollowUpReason.CADENCE).update(status="skipped", skip_reason="客户出国")
    sweep(D + datetime.timedelta(days=1))  # same bucket: the key exists → nothing new
    assert tasks(FollowUpReason.CADENCE).count() == 1
    sweep(D + datetime.timedelta(days=100))  # next quarter, still no contact → a new task
    assert tasks(FollowUpReason.CADENCE).filter(customer=customer).count() == 2


def test_inactive_customers_get_nothing():
    cust(tier="A", is_active=False, id_expires_on=D + datetime.timedelta(days=30))
    sweep()
    assert not tasks().exists()


# ---- event triggers -------------------------------------------------------------------------


def test_maturity_trigger_seven_days_ahead(no_default_rules):
    soon = ContractFactory(
        matures_on=D + datetime.timedelta(days=7), signed_on=D - datetime.timedelta(days=300)
    )
    later = ContractFactory(
        matures_on=D + datetime.timedelta(days=8), signed_on=D - datetime.timedelta(days=300)
    )
    closed = ContractFactory(
        matures_on=D + datetime.timedelta(days=3),
        status="matured",
        signed_on=D - datetime.timedelta(days=300),
    )
    sweep()
    task = tasks(FollowUpReason.MATURITY).get()
    assert task.customer == soon.customer
    assert task.dedupe_key == f"maturity:{soon.pk}:{soon.matures_on}"
    assert task.due_on == soon.matures_on  # Mon 22 June is a working day
    assert soon.title in task.title
    assert (
        not tasks(FollowUpReason.MATURITY)
        .filter(customer__in=[later.customer, closed.customer])
        .exists()
    )


def test_maturity_on_a_rest_day_is_due_the_working_day_before(no_default_rules):
    saturday = datetime.date(2026, 6, 20)
    ContractFactory(matures_on=saturday, signed_on=D - datetime.timedelta(days=300))
    sweep()
    # Fri 19 June 2026 is the Dragon Boat Festival: the working day before is Thu 18.
    assert tasks(FollowUpReason.MATURITY).get().due_on == datetime.date(2026, 6, 18)


def test_risk_assessment_expiry_thirty_days_ahead(no_default_rules):
    expiring = cust(risk_assessed_on=D + datetime.timedelta(days=30) - datetime.timedelta(days=365))
    cust(risk_assessed_on=D + datetime.timedelta(days=31) - datetime.timedelta(days=365))
    sweep()
    task = tasks(FollowUpReason.KYC_RENEWAL).get()
    assert task.customer == expiring
    assert task.due_on == datetime.date(2026, 7, 15)


def test_id_document_expiry_thirty_days_ahead(no_default_rules):
    expiring = cust(id_expires_on=D + datetime.timedelta(days=10))
    weekend = cust(id_expires_on=datetime.date(2026, 6, 27))  # a Saturday
    cust(id_expires_on=D + datetime.timedelta(days=45))
    sweep()
    due = dict(tasks(FollowUpReason.ID_EXPIRY).values_list("customer_id", "due_on"))
    assert due == {
        expiring.pk: D + datetime.timedelta(days=10),
        weekend.pk: datetime.date(2026, 6, 26),
    }


def test_birthday_trigger(no_default_rules):
    born = cust(birth_date=datetime.date(1968, 6, 17))
    cust(birth_date=datetime.date(1968, 6, 25))
    sweep()
    task = tasks(FollowUpReason.BIRTHDAY).get()
    assert task.customer == born
    assert task.due_on == datetime.date(2026, 6, 17)
    assert task.dedupe_key == f"birthday:{born.pk}:2026"


def test_leap_day_birthday_is_remembered_in_other_years(no_default_rules):
    leapling = cust(birth_date=datetime.date(1988, 2, 29))
    sweep(datetime.date(2027, 2, 26))
    assert tasks(FollowUpReason.BIRTHDAY).get().customer == leapling


def test_hooks_other_apps_call_stay_idempotent(no_default_rules):
    from customers.records.followups import schedule_satisfaction_call

    customer = cust()
    first = schedule_satisfaction_call(customer=customer, closed_on=D, reference="TS-1")
    again = schedule_satisfaction_call(customer=customer, closed_on=D, reference="TS-1")
    assert first.pk == again.pk
    assert first.due_on == datetime.date(2026, 6, 18)  # 3 working days after Monday


# ---- reminders and idempotence --------------------------------------------------------------


def test_reminders_in_app_and_email_once_per_task_channel_day(no_default_rules):
    customer = cust()
    due_today = TaskFactory(customer=customer, due_on=D)
    due_tomorrow = TaskFactory(customer=customer, due_on=D + datetime.timedelta(days=1))
    TaskFactory(customer=customer, due_on=D + datetime.timedelta(days=5))  # not yet
    first = sweep()
    assert first.notifications == 2
    assert Notification.objects.filter(recipient=customer.owner).count() == 2
    assert len(mail.outbox) == 1  # one digest per recipient and day
    assert due_today.title in mail.outbox[0].body and due_tomorrow.title in mail.outbox[0].body
    assert customer.name not in mail.outbox[0].body  # e-mail leaves the bank: no names
    deliveries = set(ReminderDelivery.objects.values_list("task_id", "channel", "day", "status"))
    assert len(deliveries) == 4 and {d[3] for d in deliveries} == {"sent"}

    second = sweep()
    assert second.tasks.total == 0 and second.notifications == 0 and second.emails_claimed == 0
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 1
    assert (
        set(ReminderDelivery.objects.values_list("task_id", "channel", "day", "status"))
        == deliveries
    )


def test_sweep_twice_creates_the_same_tasks_and_reminders():
    for tier in "ABC":
        cust(tier=tier, id_expires_on=D + datetime.timedelta(days=10))
    ContractFactory(
        matures_on=D + datetime.timedelta(days=2), signed_on=D - datetime.timedelta(days=100)
    )
    first = sweep()
    snapshot = sorted(FollowUpTask.objects.values_list("dedupe_key", "owner_id", "due_on"))
    reminders_before = ReminderDelivery.objects.count()
    assert first.tasks.total == len(snapshot) >= 7
    second = sweep()
    assert second.tasks.total == 0
    assert sorted(FollowUpTask.objects.values_list("dedupe_key", "owner_id", "due_on")) == snapshot
    assert ReminderDelivery.objects.count() == reminders_before


def test_crash_in_the_middle_then_rerun_completes_without_duplicates():
    customers_ = [cust(tier="A", id_expires_on=D + datetime.timedelta(days=5)) for _ in range(3)]
    for c in customers_:
        TaskFactory(customer=c, due_on=D)
    killed = mock.patch.object(cadence, "create_event_tasks", side_effect=RuntimeError("killed"))
    with killed, pytest.raises(RuntimeError):
        sweep()
    # Cadence tasks were committed before the crash; events, reminders not yet.
    assert tasks(FollowUpReason.CADENCE).count() == 3
    assert not tasks(FollowUpReason.ID_EXPIRY).exists()
    assert not ReminderDelivery.objects.exists()

    result = sweep()
    assert result.tasks.cadence == 0 and result.tasks.id_expiry == 3
    assert tasks(FollowUpReason.CADENCE).count() == 3
    assert ReminderDelivery.objects.filter(channel="in_app").count() == 3
    assert Notification.objects.count() == 3
    assert len(mail.outbox) == 3  # three owners, one digest each


def test_crash_while_sending_email_loses_nothing(no_default_rules):
    customer = cust()
    TaskFactory(customer=customer, due_on=D)
    smtp_down = mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=ConnectionError("down"),
    )
    with smtp_down, pytest.raises(ConnectionError):
        sweep()
    row = ReminderDelivery.objects.get(channel="email")
    assert row.status == "failed" and row.attempts == 1 and "down" in row.last_error
    assert ReminderDelivery.objects.get(channel="in_app").status == "sent"
    sweep()  # the rerun re-queues what is unsent
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1


def test_command_runs_the_sweep_for_a_date(no_default_rules, capsys):
    cust(id_expires_on=D + datetime.timedelta(days=3))
    call_command("run_followups", "--date", D.isoformat(), "--inline")
    assert "1 tasks created" in capsys.readouterr().out
    assert tasks(FollowUpReason.ID_EXPIRY).count() == 1


def test_command_rejects_a_bad_date():
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("run_followups", "--date", "15/06/2026")


def test_one_open_cadence_task_per_customer_is_a_constraint():
    from django.db import IntegrityError, transaction

    customer = cust(tier="A")
    rule_a = CadenceRule.objects.get(tier="A", vip_level="")
    rule_b = CadenceRule.objects.get(tier="B", vip_level="")
    TaskFactory(customer=customer, reason="cadence", cadence_rule=rule_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        TaskFactory(customer=customer, reason="cadence", cadence_rule=rule_a)
    # Another rule's open task for the same customer is refused too (a tier change used to
    # leave both open).
    with pytest.raises(IntegrityError), transaction.atomic():
        TaskFactory(customer=customer, reason="cadence", cadence_rule=rule_b)
    with pytest.raises(IntegrityError), transaction.atomic():
        TaskFactory(customer=customer, reason="cadence", cadence_rule=None)
    TaskFactory(customer=customer, reason="cadence", cadence_rule=rule_b, status="done")
    TaskFactory(customer=customer, reason="manual")
    TaskFactory(customer=cust(tier="B"), reason="cadence", cadence_rule=rule_b)
    assert FollowUpTask.objects.filter(customer=customer, status="open").count() == 2


def test_tier_change_supersedes_the_old_rules_open_cadence_task():
    from crm.audit.models import AuditEntry

    customer = cust(tier="A")
    untouched = cust(tier="A")
    sweep()
    old = tasks(FollowUpReason.CADENCE).get(customer=customer)
    assert old.cadence_rule.tier == "A" and old.status == "open"
    type(customer).objects.filter(pk=customer.pk).update(tier="C")

    result = sweep(D + datetime.timedelta(days=1))
    assert result.tasks.superseded == 1
    open_tasks = tasks(FollowUpReason.CADENCE).filter(customer=customer, status="open")
    assert [t.cadence_rule.tier for t in open_tasks] == ["C"]
    old.refresh_from_db()
    assert old.status == "skipped" and old.skip_reason == "superseded"
    audit = AuditEntry.objects.get(action="followup.superseded")
    assert audit.target_id == str(old.pk) and audit.target_type == "customers.followuptask"
    assert audit.before["cadence_rule"] == old.cadence_rule_id
    assert audit.before["customer"] == customer.pk
    # The customer whose tier did not change keeps its task.
    assert tasks(FollowUpReason.CADENCE).get(customer=untouched).status == "open"

    snapshot = sorted(FollowUpTask.objects.values_list("pk", "status", "cadence_rule_id"))
    again = sweep(D + datetime.timedelta(days=1))
    assert again.tasks.superseded == 0 and again.tasks.cadence == 0
    assert sorted(FollowUpTask.objects.values_list("pk", "status", "cadence_rule_id")) == snapshot
    assert AuditEntry.objects.filter(action="followup.superseded").count() == 1


def test_superseding_is_set_based(django_assert_max_num_queries):
    for _ in range(5):
        cust(tier="A")
    sweep()
    from customers.records.models import Customer

    Customer.objects.update(tier="B")
    with django_assert_max_num_queries(4 + chain.extra_queries()):
        assert cadence.supersede_cadence_tasks(timezone.now()) == 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweep_on_postgresql_creates_what_the_serial_one_does(postgres_only, settings):
    """SWEEP_WORKERS connections, one transaction per group of disjoint customers (the path a
    sweep outside a transaction takes on PostgreSQL), against the single-transaction path."""
    from django.db import connection

    from tests.factories import UserFactory

    if not CadenceRule.objects.exists():  # a flush by an earlier transactional test
        CadenceRule.objects.bulk_create(CadenceRule(**r) for r in cadence.DEFAULT_RULES)
    owner = UserFactory()
    for tier, vip in [("A", ""), ("B", ""), ("C", ""), ("A", "private"), ("B", "diamond")] * 3:
        cust(tier=tier, vip_level=vip, owner=owner, id_expires_on=D + datetime.timedelta(days=9))
    cust(tier="C", owner=owner, birth_date=datetime.date(1980, 6, 16))

    def run(workers):
        settings.FIDUCIA_FOLLOWUPS = {**settings.FIDUCIA_FOLLOWUPS, "SWEEP_WORKERS": workers}
        result = reminders.run_sweep(D, send=lambda *a: None)
        assert not connection.in_atomic_block
        return result, set(FollowUpTask.objects.values_list("dedupe_key", "owner_id", "due_on"))

    parallel, tasks_parallel = run(2)
    again, _ = run(2)
    assert again.tasks.total == 0
    ReminderDelivery.objects.all().delete()
    Notification.objects.all().delete()
    FollowUpTask.objects.all().delete()
    serial, tasks_serial = run(1)
    assert tasks_parallel == tasks_serial
    assert parallel.tasks == serial.tasks
    # One open cadence task per customer: nine tier customers, the birthday one and six VIP
    # customers (two rules each, the first rule's task).
    assert parallel.tasks.cadence == 10 + 6
    assert parallel.tasks.id_expiry == 15 and parallel.tasks.birthday == 1
