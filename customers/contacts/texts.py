"""Texts the follow-up sweep writes (crm.core.texts): event task titles, reminder
notifications, and the names and task titles of the seeded cadence rules."""

import datetime

from django.db.models import CharField, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from crm.core.texts import Text, stored

MATURITY = "followup.maturity"
KYC_RENEWAL = "followup.kyc_renewal"
ID_EXPIRY = "followup.id_expiry"
BIRTHDAY = "followup.birthday"
REMINDER = "followup.reminder"


def rule_name_code(rule_code: str) -> str:
    return f"cadence.rule.{rule_code}"


def rule_task_code(rule_code: str) -> str:
    return f"cadence.task.{rule_code}"


_VIP_MONTHLY_TASK = _("VIP monthly fixed contact (2+N)")
_VIP_VISIT_TASK = _("VIP quarterly visit")

# The seeded rules (cadence.DEFAULT_RULES carries the same codes): (code, name, task title).
RULES = (
    ("diamond_monthly", _("Diamond: two fixed contacts a month (2+N)"), _VIP_MONTHLY_TASK),
    ("private_monthly", _("Private banking: two fixed contacts a month (2+N)"), _VIP_MONTHLY_TASK),
    ("diamond_quarterly_visit", _("Diamond: a visit every quarter"), _VIP_VISIT_TASK),
    ("private_quarterly_visit", _("Private banking: a visit every quarter"), _VIP_VISIT_TASK),
    ("tier_a", _("Class A customers: contact every quarter"), _("Class A quarterly follow-up")),
    ("tier_b", _("Class B customers: contact every half year"), _("Class B half-yearly follow-up")),
    ("tier_c", _("Class C customers: contact every year"), _("Class C yearly follow-up")),
)

TEXTS = (
    Text(MATURITY, _("Product maturity call: %(contract)s")),
    Text(
        KYC_RENEWAL,
        _("Risk assessment expires (%(date)s): please arrange a new assessment"),
    ),
    Text(ID_EXPIRY, _("ID document expires (%(date)s): please update the ID document")),
    Text(BIRTHDAY, _("Birthday greetings (%(month)s/%(day)s)")),
    Text(REMINDER, _("Follow-up reminder: %(task)s"), body=_("%(customer)s · due %(due)s")),
    *(Text(rule_name_code(code), name) for code, name, _task in RULES),
    *(Text(rule_task_code(code), task) for code, _name, task in RULES),
)


def stored_sql(code: str, *, body: bool = False, **values) -> Concat:
    """The default-language text of `code` for INSERT … SELECT: each parameter is an SQL
    expression in `values` (the sweep writes its titles in SQL, not row by row)."""
    marks = {chr(1 + i): name for i, name in enumerate(values)}
    text = stored(code, {name: mark for mark, name in marks.items()}, body=body)
    parts, literal = [], ""
    for ch in text:
        if ch in marks:
            parts += [Value(literal), values[marks[ch]]]
            literal = ""
        else:
            literal += ch
    parts.append(Value(literal))
    return Concat(*parts, output_field=CharField())


def birthday_title(day: datetime.date) -> str:
    return stored(BIRTHDAY, {"month": f"{day:%m}", "day": f"{day:%d}"})
