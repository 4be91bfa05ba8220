"""Complaint reads, scoped to the user (DESIGN §3, §6). Views get complaints only from here
and from the access contract (`complaints.access`, which defines the scope)."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db.models import (
    CharField,
    DateField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from crm.accounts.access import Scope, scope_of
from crm.accounts.models import Branch
from crm.core.access import access_in
from crm.core.models import ApprovalRequest
from crm.identifiers import contact_hash
from customers.records.access import customers_for
from customers.records.models import Product, RiskLevel

from . import figures
from .access import complaints_for
from .models import (
    CLOCK_STATES,
    EXTENSION_KIND,
    OPEN_STATES,
    WITHDRAWAL_KIND,
    Attachment,
    BusinessCategory,
    Cause,
    Channel,
    ClockPause,
    Complaint,
    History,
    MonthlyFigure,
    Notice,
    State,
)

# Complaints of the same complainant and matter within this many days are offered at intake.
DUPLICATE_WINDOW_DAYS = 30


def complaint_page(user, pk) -> Complaint:
    """The complaint for its page in one query (NotFound outside the user's scope), annotated
    with the summary of a pending extension or withdrawal request (`pending_extension_summary`,
    `pending_withdrawal_summary`, None if none), whether the complaint names the viewer
    (`viewer_named`) and the labels of its codes, product and branch (`channel_label`,
    `category_label`, `cause_label`, `product_name`, `branch_name`)."""

    def pending(kind):
        return ApprovalRequest.objects.filter(
            kind=kind,
            status=ApprovalRequest.Status.PENDING,
            target_type=Complaint._meta.label_lower,
            target_id=Cast(OuterRef("pk"), output_field=CharField()),
        ).order_by("pk")

    named = Complaint.named_staff.through.objects.filter(
        complaint_id=OuterRef("pk"), user_id=user.pk
    )
    # The code tables, product and branch as scalar subqueries (labels only): a 10-table join
    # took longer to plan than to run.
    c = access_in(
        complaints_for(user, few=True)
        .select_related("customer", "handler", "logged_by", "profile")
        .annotate(
            pending_extension_summary=Subquery(pending(EXTENSION_KIND).values("summary")[:1]),
            pending_withdrawal_summary=Subquery(pending(WITHDRAWAL_KIND).values("summary")[:1]),
            viewer_named=Exists(named),
            channel_label=_code_label(Channel, "channel_id"),
            category_label=_code_label(BusinessCategory, "business_category_id"),
            cause_label=_code_label(Cause, "cause_id"),
            product_name=Subquery(Product.objects.filter(pk=OuterRef("product_id")).values("name")),
            branch_name=Subquery(Branch.objects.filter(pk=OuterRef("branch_id")).values("name")),
        ),
        pk,
    )
    c.named_for = {user.pk: c.viewer_named}  # services.is_named reads it instead of querying
    return c


def complaint_named_staff_ids(c: Complaint) -> list[int]:
    return list(c.named_staff.values_list("pk", flat=True))


def complaint_duplicates(
    user,
    *,
    customer=None,
    complainant_name="",
    complainant_contact="",
    business_category=None,
    cause=None,
    product=None,
    received_at=None,
    window_days=DUPLICATE_WINDOW_DAYS,
) -> list[Complaint]:
    """Complaints of the same complainant about the same matter within the window (offered to
    the person logging; never blocks)."""
    received_at = received_at or timezone.now()
    if customer is not None:
        who = Q(customer=customer)
    elif complainant_name:
        who = Q(customer__isnull=True, complainant_name=complainant_name)
        if complainant_contact:
            # Matched by keyed hash: the contact is stored only encrypted.
            who &= Q(complainant_contact_hash=contact_hash(complainant_contact))
    else:
        return []
    matter = Q(business_category=business_category, cause=cause)
    if product is not None:
        matter |= Q(product=product)
    window = datetime.timedelta(days=window_days)
    return list(
        complaints_for(user)
        .filter(
            who,
            matter,
            received_at__gte=received_at - window,
            received_at__lte=received_at + window,
        )
        .exclude(state=State.WITHDRAWN)
        .only("pk", "reference", "state", "received_at")
        .order_by("-received_at")[:5]
    )


def intake_customer_by_number(user, number: str):
    """The customer with this number in the user's book, or None (the counter form links one)."""
    return customers_for(user).filter(number=number).first()


def case_file(complaint) -> dict:
    """The complaint page's four lists (timeline, notices, clock pauses, documents) in ONE
    UNION ALL query: a page with a long history still costs one query for all of them.

    Each part fills the same typed columns; the rows come back as unsaved model instances
    (staff as User instances with their display fields), so templates use them as usual.
    """

    def text(value=""):
        return Value(value, output_field=CharField())

    def nothing(field):
        # Typed NULL: PostgreSQL would take a bare NULL in the first part for text.
        return Cast(Value(None, output_field=field), output_field=field)

    def part(qs, kind, *, ts, d1, d2, s1, s2, s3, note, who):
        user = {
            f"u_{f}": F(f"{who}__{f}") if who else text("")
            for f in ("username", "display_name", "first_name", "last_name")
        }
        return (
            qs.filter(complaint=complaint)
            .annotate(
                cf_kind=text(kind),
                cf_ts=ts,
                cf_d1=d1,
                cf_d2=d2,
                cf_s1=s1,
                cf_s2=s2,
                cf_s3=s3,
                cf_note=note,
                cf_user=F(f"{who}_id") if who else nothing(IntegerField()),
                **user,
            )
            .values_list(
                "cf_kind",
                "pk",
                "cf_ts",
                "cf_d1",
                "cf_d2",
                "cf_s1",
                "cf_s2",
                "cf_s3",
                "cf_note",
                "cf_user",
                *user,
            )
            .order_by()
        )

    no_date, no_ts = nothing(DateField()), nothing(DateTimeField())
    parts = [
        part(
            History.objects,
            "history",
            ts=F("at"),
            d1=no_date,
            d2=no_date,
            s1=F("event"),
            s2=F("from_state"),
            s3=F("to_state"),
            note=F("note"),
            who="actor",
        ),
        part(
            Notice.objects,
            "notice",
            ts=no_ts,
            d1=F("sent_on"),
            d2=no_date,
            s1=F("kind"),
            s2=F("via"),
            s3=F("evidence"),
            note=text(),
            who=None,
        ),
        part(
            ClockPause.objects,
            "pause",
            ts=no_ts,
            d1=F("started_on"),
            d2=F("ended_on"),
            s1=F("reason"),
            s2=F("end_mode"),
            s3=text(),
            note=F("note"),
            who=None,
        ),
        part(
            Attachment.objects,
            "attachment",
            ts=F("uploaded_at"),
            d1=no_date,
            d2=no_date,
            s1=F("name"),
            s2=text(),
            s3=text(),
            note=text(),
            who="uploaded_by",
        ),
    ]
    User = get_user_model()  # noqa: N806
    out: dict = {"timeline": [], "notices": [], "pauses": [], "attachments": []}
    for kind, pk, ts, d1, d2, s1, s2, s3, note, user_id, *names in parts[0].union(
        *parts[1:], all=True
    ):
        user = None
        if user_id is not None:
            username, display_name, first_name, last_name = names
            user = User(
                pk=user_id,
                username=username,
                display_name=display_name,
                first_name=first_name,
                last_name=last_name,
            )
        if kind == "history":
            row = History(
                pk=pk,
                complaint=complaint,
                at=ts,
                event=s1,
                from_state=s2,
                to_state=s3,
                note=note,
                actor=user,
            )
            out["timeline"].append(row)
        elif kind == "notice":
            row = Notice(pk=pk, complaint=complaint, sent_on=d1, kind=s1, via=s2, evidence=s3)
            out["notices"].append(row)
        elif kind == "pause":
            row = ClockPause(
                pk=pk,
                complaint=complaint,
                started_on=d1,
                ended_on=d2,
                reason=s1,
                end_mode=s2,
                note=note,
            )
            out["pauses"].append(row)
        else:
            row = Attachment(pk=pk, complaint=complaint, uploaded_at=ts, name=s1, uploaded_by=user)
            out["attachments"].append(row)
    out["timeline"].sort(key=lambda h: (h.at, h.pk))
    out["notices"].sort(key=lambda n: (n.sent_on, n.pk))
    out["pauses"].sort(key=lambda p: (p.started_on, p.pk))
    out["attachments"].sort(key=lambda a: (a.uploaded_at, a.pk))
    return out


# ---- queue --------------------------------------------------------------------------------------

QUEUE_LIST_FIELDS = (
    "pk",
    "reference",
    "state",
    "received_at",
    "due_on",
    "decision_due",
    "paused",
    "breached",
    "is_anonymous",
    "complainant_name",
    "regulator_forwarded",
    "extension_level",
    "customer__name",
    "customer__number",
    "product__name",
    "branch__name",
    "handler__username",
    "handler__display_name",
    "handler__first_name",
    "handler__last_name",
)

# Orderings end with a unique field for keyset pagination.
QUEUE_ORDERINGS = {
    "due": ["due_on", "pk"],
    "-received": ["-received_at", "-pk"],
    "received": ["received_at", "pk"],
}


def _code_label(model, field):
    """The code's label as a scalar subquery: evaluated only for the page's rows, and it keeps
    the tiny code tables out of the join (an 8-table join costs more to plan than to run)."""
    english = (get_language() or "").startswith("en")
    label = Coalesce(NullIf(F("name_en"), Value("")), F("name")) if english else F("name")
    return Subquery(
        model.objects.filter(pk=OuterRef(field)).annotate(label=label).values("label")[:1]
    )


def queue_qs(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    return (
        qs.select_related("customer", "product", "branch", "handler")
        .only(*QUEUE_LIST_FIELDS, "channel_id", "business_category_id", "cause_id")
        .annotate(
            channel_label=_code_label(Channel, "channel_id"),
            category_label=_code_label(BusinessCategory, "business_category_id"),
            cause_label=_code_label(Cause, "cause_id"),
        )
    )


def filter_queue(qs, params: dict, today=None):
    """Apply the queue filters from cleaned form data."""
    today = today or timezone.localdate()
    status = params.get("status") or "open"
    if status == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif status == "clock":
        qs = qs.filter(state__in=CLOCK_STATES)
    elif status in State.values:
        qs = qs.filter(state=status)
    if params.get("due_within") is not None:
        qs = qs.filter(
            state__in=CLOCK_STATES,
            due_on__lte=today + datetime.timedelta(days=params["due_within"]),
        )
    if params.get("breached"):
        qs = qs.filter(Q(breached=True) | Q(state__in=CLOCK_STATES, due_on__lt=today))
    for field in ("branch", "product", "channel", "business_category", "cause", "handler"):
        if params.get(field):
            qs = qs.filter(**{f"{field}_id": getattr(params[field], "pk", params[field])})
    if params.get("unassigned"):
        qs = qs.filter(handler__isnull=True)
    if params.get("regulator"):
        qs = qs.filter(regulator_forwarded=True)
    if params.get("q"):
        q = params["q"].strip()
        qs = qs.filter(
            Q(reference=q.upper()) | Q(complainant_name=q) | Q(customer__number=q.upper())
        )
    return qs


def customer_complaints(user, customer, limit: int = 10):
    return list(
        complaints_for(user)
        .filter(customer=customer)
        .select_related("cause", "business_category")
        .order_by("-received_at", "-pk")[:limit]
    )


# ---- statistics ---------------------------------------------------------------------------------


# Additive figures, so finer groups can be rolled up in Python without another query.
ADDITIVE = figures.MEASURES


def _empty(code="", label=""):
    return {"code": code, "label": label, **dict.fromkeys(ADDITIVE, 0)}


def _add(target: dict, row: dict) -> None:
    for k in ADDITIVE:
        target[k] += row[k] or 0


def _finish(row: dict) -> dict:
    n = row["n"] or 0
    row["breach_rate"] = (row["breaches"] / n * 100) if n else 0.0
    row["satisfied_rate"] = (row["satisfied"] / row["rated"] * 100) if row["rated"] else None
    row["avg_days"] = round(row["days_sum"] / row["days_n"], 1) if row["days_n"] else None
    row["avg_sat"] = round(row["sat_sum"] / row["rated"], 2) if row["rated"] else None
    return row


def _reference_rows() -> list[tuple]:
    """(kind, id, code, name, name_en, order, sort, risk_level) of the code tables, branches and
    products, in one UNION query (they are small; sorted by the caller)."""

    def text(value):
        return Value(value, output_field=CharField())

    def part(model, kind, **columns):
        columns = {
            "ref_en": F("name_en"),
            "ref_order": F("order"),
            "ref_sort": F("code"),
            "ref_risk": text(""),
            **columns,
        }
        return (
            model.objects.annotate(ref_kind=text(kind), **columns)
            .values_list(
                "ref_kind", "pk", "code", "name", "ref_en", "ref_order", "ref_sort", "ref_risk"
            )
            .order_by()
        )

    no_order = Value(0, output_field=IntegerField())
    parts = [
        part(Channel, "channel"),
        part(BusinessCategory, "business_category"),
        part(Cause, "cause"),
        part(Branch, "branch", ref_en=text(""), ref_order=no_order, ref_sort=F("path")),
        part(
            Product,
            "product",
            ref_en=text(""),
            ref_order=no_order,
            ref_sort=F("name"),
            ref_risk=F("risk_level"),
        ),
    ]
    return list(parts[0].union(*parts[1:], all=True))


def _labels() -> dict:
    """(kind, id) -> (code, label) for the code tables, branches and products: one query."""
    english = (get_language() or "").startswith("en")
    return {
        (kind, pk): (code, (en if english and en else name))
        for kind, pk, code, name, en, *_sort in _reference_rows()
    }


def handler_choices():
    """Staff who may be given complaints to handle (active, placed in a branch)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, branch__isnull=False)
        .order_by("display_name", "username")
    )


def queue_filter_choices() -> dict:
    """The queue filter's select lists, {field: [(id, label)]}: the code tables, branches and
    products from one UNION query, the handlers from one more (also the bulk-assign list)."""
    english = (get_language() or "").startswith("en")
    risk = dict(RiskLevel.choices)
    out: dict = {k: [] for k in ("branch", "product", "channel", "business_category", "cause")}
    for kind, pk, _code, name, en, _order, _sort, level in sorted(
        _reference_rows(), key=lambda r: (r[5], r[6], r[1])
    ):
        if kind == "product":
            label = f"{name} ({risk.get(level, level)})"  # as Product.__str__
        else:
            label = en if english and en else name
        out[kind].append((pk, label))
    handlers = handler_choices().only("pk", "username", "display_name", "first_name", "last_name")
    out["handler"] = [(u.pk, str(u)) for u in handlers]
    return out


def _next_month(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1)


def _prev_month(month: datetime.date) -> datetime.date:
    return (month - datetime.timedelta(days=1)).replace(day=1)


def split_period(start: datetime.date, end: datetime.date, today: datetime.date):
    """The whole months of [start, end] (first, last month or None) that `MonthlyFigure`
    answers, and the date ranges left at the edges, read from the complaints.

    A month is whole when the period covers it from its first day to its last, or to today
    (nothing is received later than now).
    """
    first, last = start.replace(day=1), end.replace(day=1)

    def whole_to_end(month):
        return end >= _next_month(month) - datetime.timedelta(days=1) or end >= today

    lo = first if start == first else _next_month(first)
    hi = last if whole_to_end(last) else _prev_month(last)
    ranges = []
    if start != first:
        ranges.append((start, min(end, _next_month(first) - datetime.timedelta(days=1))))
    if not whole_to_end(last) and (last != first or start == first):
        ranges.append((max(start, last), end))
    return ((lo, hi) if lo <= hi else None), ranges


def _bounds(start, end):
    tz = timezone.get_current_timezone()
    lo = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    hi = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return lo, hi


def _received_in(start, end) -> Q:
    lo, hi = _bounds(start, end)
    return Q(received_at__gte=lo, received_at__lt=hi)


def sees_all_complaints(user) -> bool:
    return user.has_perm("complaints.view_complaint") and scope_of(user) is Scope.ALL


def statistics(user, start: datetime.date, end: datetime.date, today=None) -> dict:
    """Counts, handling time, breach rate and satisfaction for complaints received in
    [start, end], overall and by code axes, branch, product and month.

    For users who see every complaint, the whole months come from `MonthlyFigure` (one query
    over a few thousand rows at most, however many complaints) and only a partial first or last
    month is read from the complaints. Scoped users (a branch head's book) are computed from
    their complaints: two grouped queries over integer keys (the code axes together; branch x
    product x month). One UNION reads the labels; every table is rolled up in Python.
    """
    today = today or timezone.localdate()
    per: dict = {dim: {} for dim, _attr in figures.DIMENSIONS}
    months: dict = {}
    summary = _empty()

    def add(target: dict, key, values) -> None:
        row = target.setdefault(key, dict.fromkeys(ADDITIVE, 0))
        for k, v in zip(ADDITIVE, values, strict=True):
            row[k] += v or 0

    if sees_all_complaints(user):
        whole, ranges = split_period(start, end, today)
        if whole:
            rows = MonthlyFigure.objects.filter(
                month__gte=whole[0], month__lte=whole[1], n__gt=0
            ).values_list("month", "dimension", "key", *ADDITIVE)
            for month, dim, key, *values in rows:
                add(per[dim], key, values)
                if dim == "channel":  # every complaint has exactly one channel
                    add(months, month, values)
                    _add(summary, dict(zip(ADDITIVE, values, strict=True)))
        raw = None
        if ranges:
            received = Q()
            for lo, hi in ranges:
                received |= _received_in(lo, hi)
            raw = Complaint.objects.filter(received)
    else:
        raw = complaints_for(user).filter(_received_in(start, end))
    if raw is not None:
        raw = raw.order_by()
        axes = ("channel_id", "business_category_id", "cause_id")
        for r in raw.values(*axes).annotate(**figures.sums()):
            values = [r[k] for k in ADDITIVE]
            for dim, attr in figures.DIMENSIONS[:3]:
                add(per[dim], r[attr], values)
            _add(summary, r)
        places = raw.values("branch_id", "product_id", "received_month")
        for r in places.annotate(**figures.sums()):
            values = [r[k] for k in ADDITIVE]
            add(per["branch"], r["branch_id"] or 0, values)
            add(per["product"], r["product_id"] or 0, values)
            add(months, r["received_month"], values)
    labels = _labels()
    none = ("", _("(none)"))

    def table(rows: dict, label) -> list[dict]:
        out = []
        for key, sums in rows.items():
            code, name = label(key)
            out.append(_finish({"code": code, "label": name, **sums}))
        return sorted(out, key=lambda g: (-g["n"], g["code"]))

    groups = {
        dim: table(per[dim], lambda pk, dim=dim: labels.get((dim, pk), none))
        for dim, _attr in figures.DIMENSIONS
    }
    month_rows = table(months, lambda m: (f"{m:%Y-%m}", f"{m:%Y-%m}") if m else none)
    groups["month"] = sorted(month_rows, key=lambda g: g["code"])
    return {"start": start, "end": end, "summary": _finish(summary), "groups": groups}


def code_tables():
    return {
        "channels": list(Channel.objects.filter(is_active=True)),
        "categories": list(BusinessCategory.objects.filter(is_active=True)),
        "causes": list(Cause.objects.filter(is_active=True)),
    }


def export_rows(user, start, end):
    """Detail register rows for the export (iterated, not loaded at once)."""
    return (
        complaints_for(user)
        .filter(_received_in(start, end))
        .select_related("channel", "business_category", "cause", "branch", "product", "customer")
        .order_by("received_at", "pk")
        .iterator(chunk_size=2000)
    )


# ---- the integration API (complaints/api.py) --------------------------------------------------


def complaint_api_rows(user, *, customer_number: str | None = None, open_only: bool = False):
    """Complaints in the user's scope as plain rows of status and deadlines (nothing of the
    complainant), of one customer and/or still open."""
    qs = complaints_for(user)
    if customer_number:
        qs = qs.filter(customer__number=customer_number.strip().upper())
    if open_only:
        qs = qs.filter(state__in=OPEN_STATES)
    return qs.values(
        "id",
        "reference",
        "customer__number",
        "state",
        "received_at",
        "is_complex",
        "ack_due",
        "decision_due",
        "review_due",
        "due_on",
        "paused",
        "breached",
    )
