"""Training records: expiry, status, the reminder sweep (once only), the overdue report."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django_celery_beat.models import PeriodicTask

from crm.core.models import Notification
from crm.performance import selectors, services, tasks
from crm.performance.models import Course, TrainingRecord, add_months

from .factories import CourseFactory, TrainingRecordFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 10)


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (datetime.date(2025, 1, 31), 1, datetime.date(2025, 2, 28)),
        (datetime.date(2024, 2, 29), 12, datetime.date(2025, 2, 28)),
        (datetime.date(2025, 11, 15), 3, datetime.date(2026, 2, 15)),
        (datetime.date(2025, 3, 31), -1, datetime.date(2025, 2, 28)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_expiry_follows_the_course_validity(org):
    yearly = CourseFactory(validity_months=12)
    forever = CourseFactory(validity_months=None, mandatory=False, kind=Course.Kind.PRODUCT)
    done = datetime.date(2025, 3, 15)
    assert TrainingRecordFactory(user=org.rm_a1, course=yearly, completed_on=done).expires_on == (
        datetime.date(2026, 3, 15)
    )
    assert (
        TrainingRecordFactory(user=org.rm_a1, course=forever, completed_on=done).expires_on is None
    )
    attended_only = TrainingRecordFactory(user=org.rm_a2, course=yearly, completed_on=None)
    assert attended_only.expires_on is None


def test_database_refuses_inconsistent_records(org):
    course = CourseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingRecord.objects.create(
            user=org.rm_a1,
            course=course,
            attended_on=datetime.date(2025, 5, 2),
            completed_on=datetime.date(2025, 5, 1),
        )
    TrainingRecordFactory(user=org.rm_a1, course=course, completed_on=datetime.date(2025, 5, 2))
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingRecordFactory(user=org.rm_a1, course=course, completed_on=datetime.date(2025, 5, 2))
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseFactory(validity_months=0)


def test_record_training_service_validates_and_audits(org):
    from crm.audit.models import AuditEntry

    course = CourseFactory()
    with pytest.raises(ValidationError):
        services.record_training(
            org.lead,
            user=org.rm_a1,
            course=course,
            attended_on=datetime.date(2025, 5, 2),
            completed_on=datetime.date(2025, 5, 1),
        )
    assert not TrainingRecord.objects.exists()
    record = services.record_training(
        org.lead,
        user=org.rm_a1,
        course=course,
        attended_on=datetime.date(2025, 5, 1),
        completed_on=datetime.date(2025, 5, 2),
        score=92,
    )
    assert record.expires_on == datetime.date(2026, 5, 2)
    entry = AuditEntry.objects.get(action="training.recorded")
    assert entry.actor == org.lead and entry.after["expires_on"] == "2026-05-02"


def test_refresh_expiries_after_the_validity_changed(org):
    course = CourseFactory(validity_months=12)
    record = TrainingRecordFactory(
        user=org.rm_a1, course=course, completed_on=datetime.date(2025, 1, 10)
    )
    course.validity_months = 24
    course.save()
    assert services.refresh_expiries(course) == 1
    record.refresh_from_db()
    assert record.expires_on == datetime.date(2027, 1, 10)
    assert services.refresh_expiries(course) == 0


def _statuses(users, **kw):
    return {
        (i.user_id, i.course.code): (i.status, i.since)
        for i in selectors.training_state(users, today=TODAY, **kw)
    }


def test_training_state(org):
    aml = CourseFactory(code="AML", reminder_days=30)
    product = CourseFactory(code="PRD", mandatory=False, kind=Course.Kind.PRODUCT)
    # rm_a1: lapsed (an older and a newer completion: the newer counts).
    TrainingRecordFactory(user=org.rm_a1, course=aml, completed_on=datetime.date(2024, 1, 5))
    TrainingRecordFactory(user=org.rm_a1, course=aml, completed_on=datetime.date(2025, 2, 1))
    # rm_a2: expires 2026-03-31, inside the 30-day window.
    TrainingRecordFactory(user=org.rm_a2, course=aml, completed_on=datetime.date(2025, 3, 31))
    # lead: valid until 2027.
    TrainingRecordFactory(user=org.lead, course=aml, completed_on=datetime.date(2026, 1, 5))
    # rm_b1 never completed (only attended); not mandatory product course is ignored.
    TrainingRecordFactory(user=org.rm_b1, course=aml, completed_on=None)
    TrainingRecordFactory(user=org.rm_b1, course=product, completed_on=datetime.date(2020, 1, 1))
    users = [org.rm_a1, org.rm_a2, org.lead, org.rm_b1]
    # Never completed: due 30 days after joining (later than the course's mandatory_from).
    due = timezone.localtime(org.rm_b1.date_joined).date() + datetime.timedelta(days=30)
    assert due > aml.mandatory_from
    assert _statuses(users) == {
        (org.rm_a1.pk, "AML"): ("lapsed", datetime.date(2026, 2, 1)),
        (org.rm_a2.pk, "AML"): ("expiring", datetime.date(2026, 3, 31)),
        (org.rm_b1.pk, "AML"): ("missing", due),
    }


def test_new_joiners_have_a_grace_period(org):
    CourseFactory(code="AML", mandatory_from=datetime.date(2020, 1, 1))
    org.rm_a1.date_joined = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    org.rm_a1.save()
    assert _statuses([org.rm_a1]) == {}
    org.rm_a1.date_joined = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    org.rm_a1.save()
    assert _statuses([org.rm_a1])[(org.rm_a1.pk, "AML")][0] == "missing"


def test_dashboard_flags_agree_with_the_detailed_state(org):
    """The dashboard's SQL flag and the drill-down's Python state describe the same thing."""
    aml = CourseFactory(code="AML")
    info = CourseFactory(code="SEC", kind=Course.Kind.INFOSEC)
    TrainingRecordFactory(user=org.rm_a1, course=aml, completed_on=datetime.date(2025, 1, 5))
    TrainingRecordFactory(user=org.rm_a1, course=info, completed_on=datetime.date(2026, 1, 5))
    TrainingRecordFactory(user=org.rm_a2, course=aml, completed_on=datetime.date(2026, 1, 5))
    TrainingRecordFactory(user=org.lead, course=aml, completed_on=datetime.date(2026, 1, 5))
    TrainingRecordFactory(user=org.lead, course=info, completed_on=datetime.date(2026, 1, 5))
    staff = selectors.staff_for(org.lead, today=TODAY)
    for member in staff:
        state = [i for i in selectors.training_state([member], today=TODAY) if i.overdue]
        compliance = any(i.course.kind == Course.Kind.COMPLIANCE for i in state)
        assert member.compliance_lapsed == compliance, member
        assert member.training_overdue == bool(state), member
    flags = {m.pk: (m.compliance_lapsed, m.training_overdue) for m in staff}
    assert flags == {
        org.rm_a1.pk: (True, True),  # AML lapsed
        org.rm_a2.pk: (False, True),  # information security never completed
        org.lead.pk: (False, False),
    }


def _sweep(day):
    return services.sweep_training(day)


def test_reminder_before_expiry_is_sent_once(org):
    aml = CourseFactory(code="AML", title="反洗钱年度培训", reminder_days=30)
    TrainingRecordFactory(user=org.rm_a1, course=aml, completed_on=datetime.date(2025, 4, 5))
    # Outside the window: nothing.
    assert _sweep(datetime.date(2026, 3, 5))["expiring"] == 0
    assert _sweep(datetime.date(2026, 3, 6))["expiring"] == 1  # 30 days before 2026-04-05
    assert _sweep(datetime.date(2026, 3, 6))["expiring"] == 0  # a retried job
    assert _sweep(datetime.date(2026, 3, 20))["expiring"] == 0  # later days
    notes = Notification.objects.filter(recipient=org.rm_a1)
    assert notes.count() == 1
    note = notes.get()
    assert "反洗钱年度培训" in note.title and "2026-04-05" in note.title
    assert note.url == reverse("performance:staff-detail", args=[org.rm_a1.pk])
    # Stored as a code: an English reader gets English (crm.core.texts).
    with translation.override("en"):
        assert note.title_text == "Training “反洗钱年度培训” expires on 2026-04-05"
        assert note.body_text == "Please complete the course again before it expires."


def test_renewal_gets_its_own_reminder_next_cycle(org):
    aml = CourseFactory(code="AML", reminder_days=30)
    TrainingRecordFactory(user=org.rm_a1, course=aml, completed_on=datetime.date(2025, 4, 5))
    _sweep(datetime.date(2026, 3, 10))
    TrainingRecordFactory(user=org.rm_a1, course=aml, completed_on=datetime.date(2026, 3, 20))
    assert _sweep(datetime.date(2026, 3, 21)) == {"expiring": 0, "lapsed": 0, "skipped": 0}
    assert _sweep(datetime.date(2027, 3, 1))["expiring"] == 1
    assert Notification.objects.filter(recipient=org.rm_a1).count() == 2


def test_lapse_is_notified_once_to_the_member_and_the_team_lead(org):
    aml = CourseFactory(code="AML", reminder_days=30)
    TrainingRecordFactory(user=org.rm_a1, course=aml, completed_on=datetime.date(2025, 1, 5))
    TrainingRecordFactory(user=org.rm_b1, course=aml, completed_on=datetime.date(2025, 1, 5))
    counts = _sweep(TODAY)
    # rm_a1 + lead of team A; rm_b1's team has no lead.
    assert counts == {"expiring": 0, "lapsed": 3, "skipped": 0}
    assert _sweep(TODAY) == {"expiring": 0, "lapsed": 0, "skipped": 3}
    assert Notification.objects.filter(recipient=org.rm_a1).count() == 1
    lead_note = Notification.objects.get(recipient=org.lead)
    assert "王芳" in lead_note.title


def test_inactive_staff_and_optional_courses_are_not_reminded(org):
    optional = CourseFactory(code="OPT", mandatory=False)
    aml = CourseFactory(code="AML")
    TrainingRecordFactory(user=org.rm_a1, course=optional, completed_on=datetime.date(2025, 1, 5))
    TrainingRecordFactory(user=org.rm_a2, course=aml, completed_on=datetime.date(2025, 1, 5))
    org.rm_a2.is_active = False
    org.rm_a2.save()
    assert _sweep(TODAY) == {"expiring": 0, "lapsed": 0, "skipped": 0}
    assert not Notification.objects.exists()


def test_command_task_and_schedule(org):
    aml = CourseFactory(code="AML")
    TrainingRecordFactory(user=org.rm_b1, course=aml, completed_on=datetime.date(2025, 1, 5))
    out = io.StringIO()
    call_command("sweep_training", "--date", "2026-03-10", stdout=out)
    assert "1 lapse notices sent" in out.getvalue()
    assert tasks.sweep_training.delay().get() == {"expiring": 0, "lapsed": 0, "skipped": 1}
    task = PeriodicTask.objects.get(task="crm.performance.tasks.sweep_training")
    assert task.enabled and task.crontab.hour == "7"


def test_command_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("sweep_training", "--date", "2026-13-01")


# ---- overdue report ---------------------------------------------------------------------------


@pytest.fixture
def overdue(org):
    aml = CourseFactory(code="AML", title="反洗钱年度培训")
    info = CourseFactory(code="SEC", title="信息安全培训", kind=Course.Kind.INFOSEC)
    for member in (org.rm_a1, org.rm_a2, org.rm_b1, org.rm_other, org.lead, org.head):
        TrainingRecordFactory(user=member, course=info, completed_on=datetime.date.today())
    TrainingRecordFactory(user=org.rm_a1, course=aml, completed_on=datetime.date(2020, 1, 5))
    TrainingRecordFactory(user=org.rm_other, course=aml, completed_on=datetime.date(2020, 1, 5))
    for member in (org.rm_a2, org.rm_b1, org.lead, org.head):
        TrainingRecordFactory(user=member, course=aml, completed_on=datetime.date.today())
    return org


def _report(client, query=""):
    response = client.get(reverse("performance:training-overdue") + query)
    assert response.status_code == 200
    return [(m.pk, i.course.code, i.status) for m, i in response.context["rows"]]


def test_overdue_report_is_scoped(overdue, as_user):
    o = overdue
    assert _report(as_user(o.head)) == [(o.rm_a1.pk, "AML", "lapsed")]
    assert sorted(_report(as_user(o.compliance))) == sorted(
        [(o.rm_a1.pk, "AML", "lapsed"), (o.rm_other.pk, "AML", "lapsed")]
    )
    assert _report(as_user(o.lead), "?kind=infosec") == []
    response = as_user(o.lead).get(reverse("performance:training-overdue"))
    assert "反洗钱年度培训" in response.content.decode()


def test_overdue_report_refuses_rms_and_handles_bad_filters(overdue, as_user):
    assert as_user(overdue.rm_a1).get(reverse("performance:training-overdue")).status_code == 403
    rows = _report(as_user(overdue.head), "?kind=bogus")
    assert rows == [(overdue.rm_a1.pk, "AML", "lapsed")]


def test_overdue_report_query_count(overdue, as_user, django_assert_max_num_queries):
    client = as_user(overdue.compliance)
    with django_assert_max_num_queries(10):
        client.get(reverse("performance:training-overdue"))
