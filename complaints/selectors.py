"""Complaint reads, scoped to the user (DESIGN §3, §6). Views get complaints only from here.

Scope: compliance (and the other all-seeing roles) see every complaint; others see complaints
of customers in their book, the ones they logged (or, for team leads / branch heads, that their
team / branch logged) and the ones they handle.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from crm.accounts.access import Scope, book_filter, scope_of
from customers.models import Customer
from customers.selectors import book_q

from .models import (
    CLOCK_STATES,
    OPEN_STATES,
    BusinessCategory,
    Cause,
    Channel,
    Complaint,
    State,
)


def complaints_for(user) -> QuerySet[Complaint]:
    if not user.is_authenticated or not user.has_perm("complaints.view_complaint"):
        return Complaint.objects.none()
    scope = scope_of(user)
    if scope is Scope.ALL:
        return Complaint.objects.all()
    if scope is Scope.NONE:
        return Complaint.objects.none()
    logged = book_filter(user, owner="logged_by", team="logged_by__team", branch="branch")
    if scope is Scope.OWN:
        # An RM's book is small: its customer ids as a plain list let PostgreSQL combine the
        # customer, logged_by and handler indexes (BitmapOr) instead of joining every complaint
        # to its customer to test the owner.
        ids = list(Customer.objects.filter(book_q(user)).values_list("pk", flat=True))
        return Complaint.objects.filter(Q(customer_id__in=ids) | logged | Q(handler=user))
    return Complaint.objects.filter(book_q(user, "customer__") | logged | Q(handler=user))


def get_complaint_for(user, pk) -> Complaint:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        complaints_for(user).select_related(
            "customer",
            "channel",
            "business_category",
            "cause",
            "product",
            "handler",
            "logged_by",
            "branch",
            "profile",
        ),
        pk=pk,
    )


def timeline_of(complaint):
    return list(complaint.history.select_related("actor").order_by("at", "pk"))


def notices_of(complaint):
    return list(complaint.notices.select_related("recorded_by").order_by("sent_on", "pk"))


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


def _sums():
    """Additive figures, so finer groups can be rolled up in Python without another query."""
    return {
        "n": Count("pk"),
        "closed": Count("pk", filter=Q(state__in=[State.CLOSED, State.WITHDRAWN])),
        "decided": Count("pk", filter=Q(decided_at__isnull=False)),
        "breaches": Count("pk", filter=Q(breached=True)),
        "days_sum": Sum("handling_days"),
        "days_n": Count("handling_days"),
        "sat_sum": Sum("satisfaction", filter=Q(satisfaction__gte=1)),
        "rated": Count("pk", filter=Q(satisfaction__gte=1)),
        "satisfied": Count("pk", filter=Q(satisfaction__gte=4)),
    }


ADDITIVE = (
    "n",
    "closed",
    "decided",
    "breaches",
    "days_sum",
    "days_n",
    "sat_sum",
    "rated",
    "satisfied",
)


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


def _roll(rows, field: str, label) -> list[dict]:
    out: dict = {}
    for r in rows:
        key = r[field]
        if key not in out:
            code, name = label(key)
            out[key] = _empty(code, name)
        _add(out[key], r)
    return sorted((_finish(g) for g in out.values()), key=lambda g: (-g["n"], g["code"]))


def _labels() -> dict:
    """(kind, id) -> (code, label) for the code tables, branches and products: one UNION query."""
    from django.db.models import CharField, F, Value

    from crm.accounts.models import Branch
    from customers.models import Product

    def part(model, kind, en=True):
        return (
            model.objects.annotate(
                label_kind=Value(kind, output_field=CharField()),
                label_en=F("name_en") if en else Value("", output_field=CharField()),
            )
            .values_list("label_kind", "pk", "code", "name", "label_en")
            .order_by()
        )

    parts = [
        part(Channel, "channel"),
        part(BusinessCategory, "business_category"),
        part(Cause, "cause"),
        part(Branch, "branch", en=False),
        part(Product, "product", en=False),
    ]
    english = (get_language() or "").startswith("en")
    return {
        (kind, pk): (code, (en if english and en else name))
        for kind, pk, code, name, en in parts[0].union(*parts[1:], all=True)
    }


def statistics(user, start: datetime.date, end: datetime.date) -> dict:
    """Counts, handling time, breach rate and satisfaction for complaints received in
    [start, end], overall and by code axes, branch, product and month.

    Two grouped queries over integer keys (the three code axes together, a small cube of at
    most channels x categories x causes rows; and branch x product x month) plus one UNION for
    the labels; every table is rolled up in Python, so the page costs three queries whatever
    the number of complaints.
    """
    tz = timezone.get_current_timezone()
    lo = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    hi = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    qs = complaints_for(user).filter(received_at__gte=lo, received_at__lt=hi).order_by()
    axes = list(qs.values("channel_id", "business_category_id", "cause_id").annotate(**_sums()))
    places = list(
        qs.values("branch_id", "product_id", month=F("received_month")).annotate(**_sums())
    )
    labels = _labels()
    none = ("", _("(none)"))
    summary = _empty()
    for r in axes:
        _add(summary, r)
    for r in places:
        r["month_code"] = r["month"].strftime("%Y-%m") if r["month"] else ""
    groups = {
        key: _roll(axes, f"{key}_id", lambda pk, key=key: labels.get((key, pk), none))
        for key in ("channel", "business_category", "cause")
    }
    for key in ("branch", "product"):
        groups[key] = _roll(places, f"{key}_id", lambda pk, key=key: labels.get((key, pk), none))
    groups["month"] = sorted(_roll(places, "month_code", lambda m: (m, m)), key=lambda g: g["code"])
    return {"start": start, "end": end, "summary": _finish(summary), "groups": groups}


def code_tables():
    return {
        "channels": list(Channel.objects.filter(is_active=True)),
        "categories": list(BusinessCategory.objects.filter(is_active=True)),
        "causes": list(Cause.objects.filter(is_active=True)),
    }


def export_rows(user, start, end):
    """Detail register rows for the export (iterated, not loaded at once)."""
    tz = timezone.get_current_timezone()
    lo = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    hi = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return (
        complaints_for(user)
        .filter(received_at__gte=lo, received_at__lt=hi)
        .select_related("channel", "business_category", "cause", "branch", "product", "customer")
        .order_by("received_at", "pk")
        .iterator(chunk_size=2000)
    )
