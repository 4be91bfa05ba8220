"""Factories for team-performance tests (courses, training records, targets)."""

import datetime
from decimal import Decimal

import factory

from crm.performance.models import Course, Target, TrainingRecord
from tests.factories import UserFactory  # noqa: F401  (re-exported for convenience)


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"CRS{n:03d}")
    title = factory.Sequence(lambda n: f"反洗钱年度培训{n}")
    kind = Course.Kind.COMPLIANCE
    mandatory = True
    validity_months = 12
    reminder_days = 30
    mandatory_from = datetime.date(2020, 1, 1)


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    user = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)
    completed_on = datetime.date(2025, 6, 1)
    attended_on = factory.LazyAttribute(
        lambda o: (o.completed_on or datetime.date(2025, 6, 1)) - datetime.timedelta(days=1)
    )


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    metric_key = "new_customers"
    year = 2025
    quarter = 2
    value = Decimal(10)
