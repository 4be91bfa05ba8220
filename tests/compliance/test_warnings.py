import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db.models import Q
from django.utils import translation

from compliance.models import (
    DEFAULT_VERIFICATION_DAYS,
    DisposalStep,
    GradingRule,
    RiskSignal,
    RiskWarning,
    SignalKind,
)
from compliance.services import disposal, followups, raising, sweep
from crm.accounts import roles
from crm.audit.models import AuditEntry
from crm.core.access import NotFound
from crm.core.models import CalendarDay, Notification
from customers.records.models import FollowUpTask
from tests.factories import CustomerFactory, UserFactory

from .factories import SignalFactory, StepFactory, WarningFactory, source

pytestmark = pytest.mark.django_db

# A week with a holiday in a year no official schedule covers: Thu 2031-05-01 and Fri 05-02
# are holidays, Sunday 05-04 is a make-up working day (调休).
HOLIDAYS = [datetime.date(2031, 5, 1), datetime.date(2031, 5, 2)]
MAKEUP = datetime.date(2031, 5, 4)


@pytest.fixture
def holiday_week(db):
    for day in HOLIDAYS:
        CalendarDay.objects.update_or_create(
            date=day, defaults={"kind": "holiday", "name": "劳动节"}
        )
    CalendarDay.objects.update_or_create(date=MAKEUP, defaults={"kind": "workday", "name": "调休"})


def test_rules_are_seeded_as_data_for_every_kind_and_severity():
    assert GradingRule.objects.count() == len(SignalKind) * 4
    for rule in GradingRule.objects.all():
        assert rule.verification_days == DEFAULT_VERIFICATION_DAYS[rule.grade]
    assert GradingRule.objects.get(kind="dishonest_debtor", severity=1).grade == "orange"
    assert GradingRule.objects.get(kind="overdue", severity=1).grade == "blue"
    assert GradingRule.objects.get(kind="overdue", severity=4).grade == "red"


@pytest.mark.parametrize(
    ("kind", "severity", "grade", "days"),
    [
        ("overdue", 1, "blue", 10),
        ("overdue", 2, "yellow", 5),
        ("large_outflow", 3, "orange", 3),
        ("esg_incident", 4, "red", 1),
        ("kyc_expired", 4, "orange", 3),
        ("litigation", 1, "yellow", 5),
    ],
)
def test_grading_rules_grade_and_deadline(kind, severity, grade, days, holiday_week):
    signal = SignalFactory(kind=kind, severity=severity)
    start = datetime.date(2031, 4, 7)  # a Monday without holidays within 10 working days
    raising.warning_raise(Q(pk=signal.pk), today=start)
    warning = RiskWarning.objects.get()
    assert warning.grade == grade
    expected = start
    left = days
    while left:
        expected += datetime.timedelta(days=1)
        if expected.weekday() < 5:
            left -= 1
    assert warning.verify_by == expected


def test_changed_rule_changes_the_grade():
    GradingRule.objects.filter(kind="negative_news", severity=1).update(
        grade="red", verification_days=1
    )
    signal = SignalFactory(kind="negative_news", severity=1)
    raising.warning_raise(Q(pk=signal.pk))
    assert RiskWarning.objects.get().grade == "red"


def test_inactive_rule_keeps_the_signal_without_warning():
    GradingRule.objects.filter(kind="negative_news", severity=1).update(is_active=False)
    signal = SignalFactory(kind="negative_news", severity=1)
    raising.warning_raise(Q(pk=signal.pk))
    assert RiskWarning.objects.count() == 0
    signal.refresh_from_db()
    assert signal.warning_id is None


def test_deadline_skips_holidays_and_counts_makeup_day(holiday_week):
    # Raised Wed 04-30: 1 working day → Sun 05-04 (make-up day; Thu/Fri holidays, Sat rest).
    signal = SignalFactory(kind="overdue", severity=4)
    raising.warning_raise(Q(pk=signal.pk), today=datetime.date(2031, 4, 30))
    assert RiskWarning.objects.get().verify_by == MAKEUP
    # 3 working days from Wed 04-30: 05-04 (Sun, make-up), 05-05 (Mon), 05-06 (Tue).
    other = SignalFactory(kind="large_outflow", severity=3)
    raising.warning_raise(Q(pk=other.pk), today=datetime.date(2031, 4, 30))
    assert RiskWarning.objects.get(kind="large_outflow").verify_by == datetime.date(2031, 5, 6)


def test_signals_collapse_into_one_warning_and_upgrade_it():
    customer = CustomerFactory()
    low = SignalFactory(customer=customer, kind="overdue", severity=1)
    raising.warning_raise(Q(pk=low.pk))
    warning = RiskWarning.objects.get()
    assert warning.grade == "blue"
    high = SignalFactory(customer=customer, kind="overdue", severity=4)
    raising.warning_raise(Q(pk=high.pk))
    warning.refresh_from_db()
    assert RiskWarning.objects.count() == 1
    assert warning.grade == "red"
    assert warning.signals.count() == 2
    assert AuditEntry.objects.filter(action="warning.upgraded").count() == 1


def test_one_active_warning_per_customer_and_kind_in_the_database():
    warning = WarningFactory()
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        WarningFactory(customer=warning.customer, kind=warning.kind)
    warning.status = "released"
    warning.save()
    WarningFactory(customer=warning.customer, kind=warning.kind)


def in_chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_raising_schedules_a_visit_and_notifies_the_owner(django_capture_on_commit_callbacks):
    signal = SignalFactory(kind="overdue", severity=4)
    with django_capture_on_commit_callbacks(execute=True):
        raising.warning_raise(Q(pk=signal.pk))
    warning = RiskWarning.objects.get()
    task = FollowUpTask.objects.get(dedupe_key=f"risk-warning-visit:W{warning.pk}")
    assert task.customer == warning.customer and task.due_on == warning.verify_by
    assert Notification.objects.filter(recipient=warning.owner).count() == 1
    note = Notification.objects.get(recipient=warning.owner)
    with translation.override("en"):  # stored as a code: the grade reads in English
        assert note.title_text == f"{warning.get_grade_display()} warning: {warning.customer.name}"
    assert in_chinese(note.title)
    followups.warning_schedule_followups([warning.pk])  # idempotent
    assert FollowUpTask.objects.filter(customer=warning.customer).count() == 1
    assert Notification.objects.filter(recipient=warning.owner).count() == 1


def test_followups_for_many_warnings_in_a_fixed_number_of_queries(
    django_assert_num_queries,
):
    rms = [UserFactory(role=roles.RELATIONSHIP_MANAGER) for _ in range(2)]
    warnings = [
        WarningFactory(customer=CustomerFactory(owner=rms[n % 2]), grade=grade)
        for n, grade in enumerate(["red", "orange", "yellow", "blue", "red", "blue"])
    ]
    released = WarningFactory(status="released")
    ids = [w.pk for w in warnings] + [released.pk]
    # Warnings, one bulk insert of visits, one of notifications — whatever the number.
    with django_assert_num_queries(3):
        assert followups.warning_schedule_followups(ids) == len(warnings)
    tasks = {t.dedupe_key: t for t in FollowUpTask.objects.all()}
    assert set(tasks) == {f"risk-warning-visit:W{w.pk}" for w in warnings}
    for w in warnings:
        task = tasks[f"risk-warning-visit:W{w.pk}"]
        assert (task.customer_id, task.owner_id, task.due_on) == (
            w.customer_id,
            w.customer.owner_id,
            w.verify_by,
        )
    notified = Notification.objects.values_list("recipient_id", "dedupe_key")
    assert sorted(notified) == sorted(
        (w.owner_id, f"warning-raised:{w.pk}:{w.grade}")
        for w in warnings
        if w.grade in ("red", "orange")
    )
    followups.warning_schedule_followups(ids)
    assert FollowUpTask.objects.count() == len(warnings)
    assert Notification.objects.count() == 3


def test_blue_warning_gets_a_visit_but_no_notification(django_capture_on_commit_callbacks):
    signal = SignalFactory(kind="overdue", severity=1)
    with django_capture_on_commit_callbacks(execute=True):
        raising.warning_raise(Q(pk=signal.pk))
    assert FollowUpTask.objects.count() == 1
    assert Notification.objects.count() == 0


# ---- escalation sweep --------------------------------------------------------------------------


@pytest.fixture
def overdue_setup(team, lead, rm):
    team.lead = lead
    team.save()
    today = datetime.date(2031, 4, 10)
    late = [
        WarningFactory(
            customer=CustomerFactory(owner=rm), verify_by=today - datetime.timedelta(days=1)
        )
        for _ in range(3)
    ]
    on_time = WarningFactory(customer=CustomerFactory(owner=rm), verify_by=today)
    verified = WarningFactory(
        customer=CustomerFactory(owner=rm),
        verify_by=today - datetime.timedelta(days=5),
        status="verified",
    )
    return {
        "rm": rm,
        "lead": lead,
        "today": today,
        "late": late,
        "on_time": on_time,
        "verified": verified,
    }


def test_sweep_escalates_only_overdue_open_warnings(overdue_setup):
    s = overdue_setup
    assert sweep.warning_sweep(s["today"], chunk=2) == 3
    statuses = dict(RiskWarning.objects.values_list("pk", "status"))
    assert all(statuses[w.pk] == "escalated" for w in s["late"])
    assert statuses[s["on_time"].pk] == "open"
    assert statuses[s["verified"].pk] == "verified"
    steps = DisposalStep.objects.filter(automatic=True)
    assert steps.count() == 3
    assert set(steps.values_list("owner", flat=True)) == {s["lead"].pk}
    assert Notification.objects.filter(recipient=s["rm"]).count() == 3
    assert Notification.objects.filter(recipient=s["lead"]).count() == 3
    assert AuditEntry.objects.filter(action="warning.escalated").count() == 3


def test_sweep_is_idempotent(overdue_setup):
    s = overdue_setup
    sweep.warning_sweep(s["today"])
    counts = (
        DisposalStep.objects.count(),
        Notification.objects.count(),
        AuditEntry.objects.count(),
    )
    assert sweep.warning_sweep(s["today"]) == 0
    assert counts == (
        DisposalStep.objects.count(),
        Notification.objects.count(),
        AuditEntry.objects.count(),
    )
    # Later, only the warning that has since run past its deadline is escalated, once.
    assert sweep.warning_sweep(s["today"] + datetime.timedelta(days=3)) == 1
    assert sweep.warning_sweep(s["today"] + datetime.timedelta(days=3)) == 0
    assert DisposalStep.objects.filter(automatic=True).count() == 4


def test_sweep_command_and_task(overdue_setup, capsys):
    call_command("sweep_warnings", "--date", overdue_setup["today"].isoformat())
    assert "3 warnings escalated" in capsys.readouterr().out
    from compliance.tasks import sweep_warnings

    assert sweep_warnings.delay().get() == 0


def test_sweep_is_scheduled_by_beat():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="compliance.tasks.sweep_warnings")
    assert task.enabled and task.crontab.timezone.key == "Asia/Shanghai"


# ---- disposal ----------------------------------------------------------------------------------


def test_verify_then_release(rm_user):
    warning = WarningFactory(customer=CustomerFactory(owner=rm_user))
    step = disposal.step_add(
        rm_user, warning, kind="verify", owner=rm_user, due_on=warning.verify_by, outcome="已核实"
    )
    warning.refresh_from_db()
    assert step.is_done and warning.status == "verified" and warning.verified_at
    plan = disposal.step_add(
        rm_user, warning, kind="release", owner=rm_user, due_on=warning.verify_by
    )
    assert not plan.is_done
    with pytest.raises(ValidationError):
        disposal.step_complete(rm_user, plan, outcome="  ")
    disposal.step_complete(rm_user, plan, outcome="风险已化解，解除预警")
    warning.refresh_from_db()
    assert warning.status == "released" and warning.outcome == "风险已化解，解除预警"
    with pytest.raises(ValidationError):
        disposal.step_add(rm_user, warning, kind="visit", owner=rm_user, due_on=warning.verify_by)
    assert AuditEntry.objects.filter(action="step.completed").count() == 2


def test_rm_cannot_dispose_outside_their_book_and_auditor_never(rm_user, auditor_user):
    other = WarningFactory()
    # Outside the book the warning does not exist for the RM (404), as in every app.
    with pytest.raises(NotFound):
        disposal.step_add(rm_user, other, kind="verify", owner=rm_user, due_on=other.verify_by)
    with pytest.raises(PermissionDenied):
        disposal.step_add(
            auditor_user, other, kind="verify", owner=auditor_user, due_on=other.verify_by
        )
    assert DisposalStep.objects.count() == 0


def test_done_step_needs_an_outcome_in_the_database():
    from django.db import IntegrityError

    step = StepFactory()
    step.done_at = datetime.datetime(2031, 1, 1, tzinfo=datetime.UTC)
    with pytest.raises(IntegrityError):
        step.save()


# ---- handover / reassignment ------------------------------------------------------------------


def test_staff_handover_moves_open_warnings_and_steps(make_user, compliance_user):
    from customers.records.signals import staff_handover

    leaving = make_user(roles.RELATIONSHIP_MANAGER)
    successor = make_user(roles.RELATIONSHIP_MANAGER)
    customer = CustomerFactory(owner=leaving)
    open_w = WarningFactory(customer=customer, owner=leaving)
    step = StepFactory(warning=open_w, owner=leaving)
    done = StepFactory(
        warning=open_w, owner=leaving, kind="visit", outcome="ok", done_at="2031-01-01T00:00Z"
    )
    closed = WarningFactory(
        customer=customer, owner=leaving, kind="esg_incident", status="released"
    )
    other_customer = WarningFactory(customer=CustomerFactory(owner=leaving), owner=leaving)
    staff_handover.send(
        sender=None,
        departing_user=leaving,
        successor_for={customer.pk: successor},
        acting_user=compliance_user,
    )
    (
        open_w.refresh_from_db(),
        step.refresh_from_db(),
        done.refresh_from_db(),
        closed.refresh_from_db(),
    )
    other_customer.refresh_from_db()
    assert open_w.owner == successor and step.owner == successor
    assert done.owner == leaving and closed.owner == leaving and other_customer.owner == leaving
    entry = AuditEntry.objects.get(action="warning.reassigned")
    assert entry.after["warnings"] == [open_w.pk]


def test_customer_reassignment_moves_open_warnings(lead, rm_a, rm_b):
    from customers.records import services as customer_services

    customer = CustomerFactory(owner=rm_a)
    warning = WarningFactory(customer=customer, owner=rm_a)
    customer_services.customer_reassign(lead, customer, rm_b, reason="调岗")
    warning.refresh_from_db()
    assert warning.owner == rm_b


def test_signal_source_code_table_seeded():
    assert source("court").name == "法院与执行信息"
    assert RiskSignal.objects.count() == 0


def test_metric_counts_verified_warnings_per_owner(rm_user, make_user):
    import datetime as dt

    from crm.ui.registry import metrics

    metric = next(m for m in metrics() if m.key == "compliance_warnings_verified")
    warning = WarningFactory(customer=CustomerFactory(owner=rm_user))
    disposal.step_add(
        rm_user, warning, kind="verify", owner=rm_user, due_on=warning.verify_by, outcome="ok"
    )
    other = make_user(roles.RELATIONSHIP_MANAGER)
    today = dt.date.today()
    result = metric.compute(
        [rm_user, other], today - dt.timedelta(days=1), today + dt.timedelta(days=1)
    )
    assert result == {rm_user.pk: 1}
