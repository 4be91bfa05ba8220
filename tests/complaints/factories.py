"""Complaint factories, built on the shared ones. Complaints are created through the service so
the clocks, reference and history are real."""

import datetime

from django.utils import timezone

from complaints import services
from complaints.models import BusinessCategory, Cause, Channel, Intake
from tests.factories import CustomerFactory


def codes():
    return (
        Channel.objects.get(code="02"),
        BusinessCategory.objects.get(code="B07"),
        Cause.objects.get(code="R05"),
    )


def received(day: datetime.date, hour: int = 10) -> datetime.datetime:
    tz = timezone.get_current_timezone()
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=tz)


def make_complaint(user, *, customer=None, received_at=None, intake=Intake.CUSTOMER_PAGE, **kwargs):
    """A complaint logged by `user` (an RM by default logs one for a customer of theirs)."""
    channel, category, cause = codes()
    if customer is None and intake == Intake.CUSTOMER_PAGE:
        customer = CustomerFactory(owner=user)
    defaults = {
        "channel": channel,
        "business_category": category,
        "cause": cause,
        "received_at": received_at or timezone.now() - datetime.timedelta(hours=1),
        "demands": "要求退还本金",
        "facts": "销售时承诺保本",
    }
    defaults.update(kwargs)
    if customer is None and not defaults.get("is_anonymous") and "complainant_name" not in kwargs:
        defaults["complainant_name"] = "钱先生"
    return services.complaint_log(user, intake=intake, customer=customer, **defaults)


FIELDS = {
    "accepted": {"notice_via": "sms"},
    "not_accepted": {"notice_via": "post", "reason": "已由法院受理"},
    "in_handling": {},
    "decision_issued": {
        "decision": "同意退还费用",
        "remedies": ["review", "litigation"],
        "notice_via": "in_person",
    },
    "review_requested": {"review_reason": "对处理结果不服"},
    "review_decided": {"review_result": "维持原决定", "notice_via": "post"},
    "closed": {"satisfaction": 4},
    "withdrawn": {"withdrawn_reason": "已协商一致"},
}

PATHS = {
    "received": [],
    "accepted": ["accepted"],
    "not_accepted": ["not_accepted"],
    "in_handling": ["accepted", "in_handling"],
    "decision_issued": ["accepted", "in_handling", "decision_issued"],
    "review_requested": ["accepted", "in_handling", "decision_issued", "review_requested"],
    "review_decided": [
        "accepted",
        "in_handling",
        "decision_issued",
        "review_requested",
        "review_decided",
    ],
    "closed": ["accepted", "in_handling", "decision_issued", "closed"],
    "withdrawn": ["withdrawn"],
}


def move(officer, complaint, state, now=None):
    """Walk a complaint to `state` along the normal path, acting as a compliance officer."""
    for step in PATHS[state]:
        complaint = services.complaint_transition(
            officer, complaint.pk, step, now=now, **FIELDS[step]
        )
    return complaint


def ensure_reference_data():
    """Transactional tests (live server, threads) start after other tests' flushes emptied the
    migration-seeded tables: put the default code tables, SLA profiles, signal sources and rules
    and calendar back."""
    import importlib

    from django.apps import apps

    from complaints.models import SlaProfile
    from crm.calendar import load_official_year, missing_years

    if not SlaProfile.objects.exists():
        for migration in ("0002_default_codes_and_profiles", "0009_sla_profile_per_jurisdiction"):
            importlib.import_module(f"complaints.migrations.{migration}").seed(apps, None)
    from compliance.models import SignalSource

    if not SignalSource.objects.exists():
        for migration in ("0002_seed_rules_sources_schedule", "0006_api_signal_source"):
            importlib.import_module(f"compliance.migrations.{migration}").seed(apps, None)
    for year in missing_years([2025, 2026]):
        load_official_year(year)
