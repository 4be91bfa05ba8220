"""Seed the code tables and rules (administrators edit them in Django admin) and the daily
escalation sweep (django-celery-beat, editable in admin)."""

from django.db import migrations

from crm.core.schedules import ensure_periodic_task, remove_periodic_tasks

TASK_NAME = "Escalate risk warnings past their verification deadline"
DAYS = {"red": 1, "orange": 3, "yellow": 5, "blue": 10}
BASE = {1: "blue", 2: "yellow", 3: "orange", 4: "red"}
# Kinds that deviate from the base mapping (severity → grade).
OVERRIDES = {
    "dishonest_debtor": {1: "orange", 2: "orange", 3: "red", 4: "red"},
    "litigation": {1: "yellow", 2: "yellow", 3: "orange", 4: "red"},
    "kyc_expired": {1: "blue", 2: "blue", 3: "yellow", 4: "orange"},
    "suitability_mismatch": {1: "blue", 2: "yellow", 3: "orange", 4: "orange"},
}
KINDS = [
    "overdue",
    "rating_downgrade",
    "litigation",
    "dishonest_debtor",
    "large_outflow",
    "negative_news",
    "esg_incident",
    "kyc_expired",
    "suitability_mismatch",
]
SOURCES = [
    ("manual", "人工录入", "Signals entered by staff in the application."),
    ("file", "文件导入", "CSV/XLSX files uploaded by compliance or risk."),
    ("core_banking", "核心系统", "Overdue, outflow and KYC expiry from the core banking feed."),
    ("credit_bureau", "征信与评级", "Internal and external rating changes."),
    ("court", "法院与执行信息", "Litigation, enforcement and the dishonest judgment debtor list."),
    ("news", "舆情监测", "Negative news and ESG incidents."),
]


def seed(apps, schema_editor):
    GradingRule = apps.get_model("compliance", "GradingRule")
    SignalSource = apps.get_model("compliance", "SignalSource")
    for code, name, description in SOURCES:
        SignalSource.objects.get_or_create(
            code=code, defaults={"name": name, "description": description}
        )
    for kind in KINDS:
        mapping = OVERRIDES.get(kind, BASE)
        for severity, grade in mapping.items():
            GradingRule.objects.get_or_create(
                kind=kind,
                severity=severity,
                defaults={"grade": grade, "verification_days": DAYS[grade]},
            )
    ensure_periodic_task(
        apps,
        TASK_NAME,
        "compliance.tasks.sweep_warnings",
        crontab={"minute": "15", "hour": "7"},
        description="Daily at 07:15: open warnings past their verification deadline → "
        "escalated, with notifications (idempotent).",
    )


def unseed(apps, schema_editor):
    remove_periodic_tasks(apps, TASK_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
