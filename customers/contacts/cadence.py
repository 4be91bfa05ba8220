"""Service cadence and event triggers → follow-up tasks, set-based (DESIGN §5.2, §7).

Every step is one `INSERT … SELECT … ON CONFLICT DO NOTHING` over a queryset, never a query per
customer. Each task carries a dedupe key, so a rerun (or a sweep killed half-way and started
again) creates nothing twice:

- cadence: `cadence:<rule>:<customer>:<period bucket>` plus "no open cadence task for this
  customer" (a rule that no longer applies has its open task superseded first);
- maturity: `maturity:<contract>:<maturity date>`;
- risk assessment renewal: `kyc-renewal:<customer>:<expiry date>`;
- ID document expiry: `id-expiry:<customer>:<expiry date>`;
- birthday: `birthday:<customer>:<year>`.
"""

from __future__ import annotations

import calendar as _calendar
import datetime
from dataclasses import dataclass
from functools import partial

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, JSONObject, Substr
from django.utils import timezone

from crm.audit.services import record_many
from crm.calendar import BusinessCalendar
from crm.core.config import fiducia
from crm.core.setsql import insert_select
from customers.contacts import texts
from customers.contacts.models import CadenceRule, Interaction
from customers.records.models import Contract, Customer, FollowUpReason, FollowUpTask
from customers.records.validity import assessed_on_expiring


def option(name: str):
    """A follow-up default (DESIGN §5.2): settings.FIDUCIA_FOLLOWUPS[name]."""
    return fiducia("FOLLOWUPS", name)


# Seeded by migration 0005_followups_cadence_defaults; editable in admin. The stored names are
# Chinese; `code` lets each reader see the name and task title in their language
# (contacts.texts.RULES) until an administrator rewords them.
DEFAULT_RULES = [
    # VIP / strategic customers: "2+N" — two fixed touch points a month, a visit every quarter.
    *(
        {
            "code": f"{level}_monthly",
            "name": f"{label}：每月两次固定联系（2+N）",
            "vip_level": level,
            "period_months": 1,
            "min_contacts": 2,
            "channels": "",
            "task_title": "VIP 月度固定联系（2+N）",
            "due_in_days": 3,
        }
        for level, label in (("diamond", "钻石"), ("private", "私人银行"))
    ),
    *(
        {
            "code": f"{level}_quarterly_visit",
            "name": f"{label}：每季度走访",
            "vip_level": level,
            "period_months": 3,
            "min_contacts": 1,
            "channels": "visit",
            "task_title": "VIP 季度走访",
            "due_in_days": 10,
        }
        for level, label in (("diamond", "钻石"), ("private", "私人银行"))
    ),
    {
        "code": "tier_a",
        "name": "A 类客户：每季度联系",
        "tier": "A",
        "period_months": 3,
        "task_title": "A 类客户季度回访",
    },
    {
        "code": "tier_b",
        "name": "B 类客户：每半年联系",
        "tier": "B",
        "period_months": 6,
        "task_title": "B 类客户半年回访",
    },
    {
        "code": "tier_c",
        "name": "C 类客户：每年联系",
        "tier": "C",
        "period_months": 12,
        "task_title": "C 类客户年度回访",
    },
]


def months_before(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = _calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def previous_workday(cal: BusinessCalendar, day: datetime.date) -> datetime.date:
    while not cal.is_workday(day):
        day -= datetime.timedelta(days=1)
    return day


def rules_for_customer_q(rule: CadenceRule, vip_levels_with_rules: set[str]) -> Q:
    """Which customers a rule applies to (VIP-level rules take precedence over tier rules)."""
    return Q(is_active=True) & rule_selects_q(rule, vip_levels_with_rules)


def rule_selects_q(rule: CadenceRule, vip_levels_with_rules: set[str], prefix: str = "") -> Q:
    """The rule's selector (VIP level / tier) on Customer fields, each field name preceded by
    `prefix` (e.g. "customer__" to filter follow-up tasks by their customer)."""
    if rule.vip_level:
        q = Q(**{f"{prefix}vip_level": rule.vip_level})
        if rule.tier:
            q &= Q(**{f"{prefix}tier": rule.tier})
        return q
    return Q(**{f"{prefix}tier": rule.tier}) & ~Q(
        **{f"{prefix}vip_level__in": sorted(vip_levels_with_rules)}
    )


SUPERSEDED = "superseded"


def supersede_cadence_tasks(now) -> int:
    """Retire the open cadence tasks of active customers whose rule no longer applies to them
    (their tier or VIP level changed, or the rule was deactivated or deleted): skipped with the
    reason "superseded", one audit row each. One SELECT, one UPDATE and one batched INSERT of
    audit rows, never a query per customer. Runs before the cadence inserts, so the current
    rule's gap can take the one open cadence task a customer may have
    (task_one_open_cadence_per_customer). Rerunning finds nothing to do."""
    rules = list(CadenceRule.objects.filter(is_active=True))
    vip_levels = {r.vip_level for r in rules if r.vip_level}
    still_applies = Q(pk__in=[])
    for rule in rules:
        still_applies |= Q(cadence_rule_id=rule.pk) & rule_selects_q(
            rule, vip_levels, prefix="customer__"
        )
    stale = FollowUpTask.objects.filter(
        status=FollowUpTask.Status.OPEN,
        reason=FollowUpReason.CADENCE,
        customer__is_active=True,
    ).exclude(still_applies)
    rows = list(stale.order_by("pk").values_list("pk", "customer_id", "cadence_rule_id", "title"))
    if not rows:
        return 0
    retired = FollowUpTask.objects.filter(
        pk__in=[pk for pk, *_rest in rows], status=FollowUpTask.Status.OPEN
    ).update(status=FollowUpTask.Status.SKIPPED, skip_reason=SUPERSEDED, completed_at=now)
    targets = {pk: FollowUpTask(pk=pk, title=title) for pk, _c, _r, title in rows}
    rule_of = {pk: rule for pk, _c, rule, _t in rows}
    customer_of = {pk: customer for pk, customer, _r, _t in rows}
    record_many(
        None,
        "followup.superseded",
        targets.values(),
        purpose=SUPERSEDED,
        before_of=lambda t: {
            "status": "open",
            "customer": customer_of[t.pk],
            "cadence_rule": rule_of[t.pk],
        },
        after_of=lambda t: {"status": "skipped", "skip_reason": SUPERSEDED},
    )
    return retired


def contacts_q(rule: CadenceRule, day: datetime.date) -> tuple:
    """(start, end) of the rolling window that must hold the rule's contacts on `day`."""
    return start_of(months_before(day, rule.period_months) + datetime.timedelta(days=1)), start_of(
        day + datetime.timedelta(days=1)
    )


def out_of_cadence(rule: CadenceRule, day: datetime.date, vip_levels_with_rules: set[str]):
    """Customers the rule applies to with fewer than `min_contacts` qualifying contacts in the
    rolling period ending on `day` (one queryset: anti-join / correlated count)."""
    start, end = contacts_q(rule, day)
    window = Interaction.objects.filter(
        occurred_at__gte=start, occurred_at__lt=end, channel__in=rule.channel_list()
    )
    qs = Customer.objects.filter(rules_for_customer_q(rule, vip_levels_with_rules))
    if rule.min_contacts <= 1:
        return qs.filter(~Exists(window.filter(customer=OuterRef("pk"))))
    # Fewer than N contacts: not among the customers with ≥ N in the window — one GROUP BY over
    # the window's interactions (hashed by PostgreSQL), not a subquery per customer.
    enough = (
        window.order_by()
        .values("customer_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=rule.min_contacts)
        .values("customer_id")
    )
    return qs.exclude(pk__in=enough)


def _task_columns(
    *, customer, owner, title, reason, due_on, dedupe_key, now, rule_id=None, code="", params=None
):
    columns = {
        "customer": customer,
        "owner": owner,
        "title": title,
        "text_code": Value(code),
        "reason": Value(str(reason)),
        "due_on": due_on
        if hasattr(due_on, "resolve_expression")
        else Value(due_on, output_field=DateField()),
        "status": Value(FollowUpTask.Status.OPEN.value),
        "notes": Value(""),
        "skip_reason": Value(""),
        "dedupe_key": dedupe_key,
        "created_at": Value(now, output_field=DateTimeField()),
    }
    if params is not None:
        columns["text_params"] = params
    if rule_id is not None:
        columns["cadence_rule"] = Value(rule_id, output_field=IntegerField())
    return columns


def _insert_tasks(rows, **columns) -> int:
    """One INSERT … SELECT of a follow-up task per row of `rows`, `columns` as _task_columns
    takes them; returns how many tasks were created."""
    return insert_select(FollowUpTask, _task_columns(**columns), rows)


def _insert_customer_tasks(customers, **columns) -> int:
    """_insert_tasks over a Customer queryset: each task is the customer's, owned by its RM."""
    return _insert_tasks(customers, customer=F("pk"), owner=F("owner_id"), **columns)


def _key(prefix: str, field: str, suffix: str):
    return Concat(Value(prefix), Cast(field, CharField()), Value(suffix), output_field=CharField())


def _title(prefix: str, field: str | None = None):
    if field is None:
        return Value(prefix[:200])
    return Concat(Value(prefix), Substr(F(field), 1, 150), output_field=CharField())


@dataclass
class SweepCounts:
    cadence: int = 0
    maturity: int = 0
    kyc_renewal: int = 0
    id_expiry: int = 0
    birthday: int = 0
    # Open cadence tasks retired because their rule no longer applies (not counted in total).
    superseded: int = 0

    @property
    def total(self) -> int:
        return self.cadence + self.maturity + self.kyc_renewal + self.id_expiry + self.birthday


def _cadence_statement(rule, day, cal, vip_levels, now) -> int:
    bucket = (day.year * 12 + day.month - 1) // rule.period_months
    # No anti-join against the open tasks: the partial unique index
    # task_one_open_cadence_per_customer turns a second open cadence task of a customer (this
    # rule's or, for VIP levels with several rules, an earlier rule's) into a skipped
    # conflict; supersede_cadence_tasks() has retired the tasks of rules that no longer apply. (An
    # anti-join on the table being inserted into was planned as a nested loop rescanning the
    # growing heap per row when its statistics said "empty": quadratic on a first run.)
    qs = out_of_cadence(rule, day, vip_levels)
    due = cal.deadline(day, rule.due_in_days, working_days=rule.working_days)
    return _insert_customer_tasks(
        qs,
        title=_title(rule.task_title),
        code=texts.rule_task_code(rule.code) if rule.code else "",
        reason=FollowUpReason.CADENCE,
        due_on=due,
        dedupe_key=_key(f"cadence:{rule.pk}:", "pk", f":{rule.period_months}m{bucket}"),
        now=now,
        rule_id=rule.pk,
    )


def cadence_jobs(day: datetime.date, cal: BusinessCalendar, now) -> list[list]:
    """One INSERT … SELECT per active rule, grouped so that different groups select disjoint
    customers (the rules of one VIP level together; each tier rule alone, since tier rules
    leave out VIP levels that have rules). Groups may then run concurrently without two
    transactions key-share-locking the same customer rows (no MultiXacts)."""
    rules = list(CadenceRule.objects.filter(is_active=True))
    vip_levels = {r.vip_level for r in rules if r.vip_level}
    groups: dict[str, list] = {}
    for rule in rules:
        key = f"vip:{rule.vip_level}" if rule.vip_level else f"tier:{rule.tier}"
        groups.setdefault(key, []).append(
            partial(_cadence_statement, rule, day, cal, vip_levels, now)
        )
    # VIP levels first: several rules each, the longest groups.
    return [groups[k] for k in sorted(groups, key=lambda k: (not k.startswith("vip:"), k))]


def create_cadence_tasks(day: datetime.date, cal: BusinessCalendar, now) -> int:
    """The cadence inserts alone (callers run supersede_cadence_tasks() first)."""
    return sum(job() for group in cadence_jobs(day, cal, now) for job in group)


def _days(day: datetime.date, ahead: int):
    return [day + datetime.timedelta(days=k) for k in range(ahead + 1)]


def _case(whens, output_field):
    return Case(*whens, output_field=output_field)


def _event_key(prefix: str, suffix) -> Concat:
    """The dedupe key "<prefix>:<customer or contract id>:<event date>" of an event task."""
    char_out = CharField()
    return Concat(
        Value(f"{prefix}:"), Cast("pk", char_out), Value(":"), suffix, output_field=char_out
    )


def _due_before(cal: BusinessCalendar, dated: dict) -> Case:
    """The due date of an event task: the last workday before its event date. `dated` maps
    each event date to the condition that selects rows having that date."""
    return _case(
        [When(cond, then=Value(previous_workday(cal, t))) for t, cond in dated.items()],
        DateField(),
    )


def event_jobs(day: datetime.date, cal: BusinessCalendar, now) -> dict:
    """Event triggers for every event date in the look-ahead window (so a missed sweep day
    catches up): one statement per trigger, the per-date due dates and keys as CASE branches.
    Returns {SweepCounts field: callable running that statement}."""
    return {
        name: partial(statement, day, cal, now)
        for name, statement in (
            ("maturity", _maturity_statement),
            ("kyc_renewal", _kyc_statement),
            ("id_expiry", _id_expiry_statement),
            ("birthday", _birthday_statement),
        )
    }


def create_event_tasks(day: datetime.date, cal: BusinessCalendar, now) -> SweepCounts:
    counts = SweepCounts()
    for name, job in event_jobs(day, cal, now).items():
        setattr(counts, name, job())
    return counts


def _maturity_statement(day, cal, now) -> int:
    char_out = CharField()
    targets = _days(day, option("MATURITY_DAYS"))
    return _insert_tasks(
        Contract.objects.filter(
            status=Contract.Status.ACTIVE, matures_on__in=targets, customer__is_active=True
        ),
        customer=F("customer_id"),
        owner=F("customer__owner_id"),
        title=texts.stored_sql(texts.MATURITY, contract=Substr(F("title"), 1, 150)),
        code=texts.MATURITY,
        params=JSONObject(contract=Substr(F("title"), 1, 150)),
        reason=FollowUpReason.MATURITY,
        due_on=_due_before(cal, {t: Q(matures_on=t) for t in targets}),
        dedupe_key=_event_key("maturity", Cast("matures_on", char_out)),
        now=now,
    )


def _kyc_statement(day, cal, now) -> int:
    active = Customer.objects.filter(is_active=True)
    char_out = CharField()
    targets = _days(day, option("KYC_EXPIRY_DAYS"))
    assessed = {t: assessed_on_expiring(t) for t in targets}
    expiry = _case(
        [When(risk_assessed_on__in=assessed[t], then=Value(t.isoformat())) for t in targets],
        char_out,
    )
    return _insert_customer_tasks(
        active.filter(risk_assessed_on__in=[d for t in targets for d in assessed[t]]),
        title=texts.stored_sql(texts.KYC_RENEWAL, date=expiry),
        code=texts.KYC_RENEWAL,
        params=JSONObject(date=expiry),
        reason=FollowUpReason.KYC_RENEWAL,
        due_on=_due_before(cal, {t: Q(risk_assessed_on__in=assessed[t]) for t in targets}),
        dedupe_key=_event_key("kyc-renewal", expiry),
        now=now,
    )


def _id_expiry_statement(day, cal, now) -> int:
    active = Customer.objects.filter(is_active=True)
    char_out = CharField()
    targets = _days(day, option("ID_EXPIRY_DAYS"))
    return _insert_customer_tasks(
        active.filter(id_expires_on__in=targets),
        title=texts.stored_sql(texts.ID_EXPIRY, date=Cast("id_expires_on", char_out)),
        code=texts.ID_EXPIRY,
        params=JSONObject(date=Cast("id_expires_on", char_out)),
        reason=FollowUpReason.ID_EXPIRY,
        due_on=_due_before(cal, {t: Q(id_expires_on=t) for t in targets}),
        dedupe_key=_event_key("id-expiry", Cast("id_expires_on", char_out)),
        now=now,
    )


def _birthday_statement(day, cal, now) -> int:
    active = Customer.objects.filter(is_active=True)
    date_out, char_out = DateField(), CharField()
    targets = _days(day, option("BIRTHDAY_DAYS"))
    born_on = {}
    for t in targets:
        born = Q(birth_date__month=t.month, birth_date__day=t.day)
        if t.month == 2 and t.day == 28 and not _calendar.isleap(t.year):
            born |= Q(birth_date__month=2, birth_date__day=29)
        born_on[t] = born
    any_birthday = Q(pk__in=[])
    for born in born_on.values():
        any_birthday |= born
    return _insert_customer_tasks(
        active.filter(any_birthday, birth_date__isnull=False),
        title=_case(
            [When(b, then=Value(texts.birthday_title(t))) for t, b in born_on.items()],
            char_out,
        ),
        code=texts.BIRTHDAY,
        params=JSONObject(
            month=_case([When(b, then=Value(f"{t:%m}")) for t, b in born_on.items()], char_out),
            day=_case([When(b, then=Value(f"{t:%d}")) for t, b in born_on.items()], char_out),
        ),
        reason=FollowUpReason.BIRTHDAY,
        due_on=_case([When(b, then=Value(t)) for t, b in born_on.items()], date_out),
        dedupe_key=Concat(
            Value("birthday:"),
            Cast("pk", char_out),
            _case([When(b, then=Value(f":{t.year}")) for t, b in born_on.items()], char_out),
            output_field=char_out,
        ),
        now=now,
    )


def applies_to(rule: CadenceRule, customer, vip_levels_with_rules: set[str]) -> bool:
    """The same rule as rules_for_customer_q(), for one loaded customer."""
    if not customer.is_active:
        return False
    if rule.vip_level:
        return customer.vip_level == rule.vip_level and (
            not rule.tier or customer.tier == rule.tier
        )
    return customer.tier == rule.tier and customer.vip_level not in vip_levels_with_rules


def customer_cadence_status(customer, day: datetime.date | None = None) -> list[dict]:
    """For the 360 page: each applicable rule and whether the customer meets it (2 queries)."""
    day = day or timezone.localdate()
    rules = list(CadenceRule.objects.filter(is_active=True))
    vip_levels = {r.vip_level for r in rules if r.vip_level}
    mine = [r for r in rules if applies_to(r, customer, vip_levels)]
    if not mine:
        return []
    earliest = min(contacts_q(r, day)[0] for r in mine)
    end = start_of(day + datetime.timedelta(days=1))
    seen = list(
        customer.interactions.filter(occurred_at__gte=earliest, occurred_at__lt=end).values_list(
            "channel", "occurred_at"
        )
    )
    out = []
    for rule in mine:
        start, _end = contacts_q(rule, day)
        channels = set(rule.channel_list())
        n = sum(1 for ch, at in seen if ch in channels and at >= start)
        out.append({"rule": rule, "contacts": n, "met": n >= rule.min_contacts})
    return out
