"""Which complaints a user reaches: the access contract (crm.core.access) for complaints.

Scope: compliance (and the other all-seeing roles) see every complaint; others see complaints
of customers in their book, the ones they logged (or, for team leads / branch heads, that their
team / branch logged) and the ones they handle. A complaint outside it is `NotFound`, the same
as a missing one (404, never 403).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from crm.accounts.access import Scope, book_filter, scope_of
from crm.core.access import access_in, access_row
from customers.records.access import book_q
from customers.records.models import Customer

from .models import Attachment, Complaint, Notice


def complaints_for(user, *, few: bool = False) -> QuerySet[Complaint]:
    """The complaints `user` may see. `few=True` for a look-up of one or a few by primary
    key: the RM's book is then tested per row (EXISTS on the customer's primary key) instead of
    listing every complaint of the book first."""
    if not user.is_authenticated or not user.has_perm("complaints.view_complaint"):
        return Complaint.objects.none()
    scope = scope_of(user)
    if scope is Scope.ALL:
        return Complaint.objects.all()
    if scope is Scope.NONE:
        return Complaint.objects.none()
    logged = book_filter(user, owner="logged_by", team="logged_by__team", branch="branch")
    if scope is Scope.OWN and few:
        in_book = Exists(Customer.objects.filter(book_q(user), pk=OuterRef("customer_id")))
        return Complaint.objects.filter(in_book | logged | Q(handler=user))
    if scope is Scope.OWN:
        # An RM sees a few hundred complaints among 100k: their ids, read by one UNION of two
        # index-friendly halves, become a plain list, so PostgreSQL knows how few rows a queue
        # page has and fetches them by primary key. (Filtering on the book's customer ids was
        # estimated ~10x too many rows, as most customers never complain; the planner then
        # walked the due-date index to fill a page, reading 20k rows for 50.)
        book = Complaint.objects.filter(
            customer__in=Customer.objects.filter(book_q(user)).values("pk")
        )
        theirs = Complaint.objects.filter(logged | Q(handler=user))
        ids = (
            book.values_list("pk", flat=True)
            .order_by()
            .union(theirs.values_list("pk", flat=True).order_by())
        )
        return Complaint.objects.filter(pk__in=list(ids))
    return Complaint.objects.filter(book_q(user, "customer__") | logged | Q(handler=user))


# What a page that shows a complaint's codes and people reads with it.
RELATIONS = (
    "customer",
    "channel",
    "business_category",
    "cause",
    "product",
    "handler",
    "logged_by",
    "branch",
    "profile",
)


def access_complaint(user, pk, *, for_write: bool = False) -> Complaint:
    """The complaint with this id in the user's scope, or NotFound. `for_write` locks its row
    for the caller's transaction."""
    # FOR UPDATE OF the complaint only: the SLA profile is shared by every complaint, and
    # team and branch scopes join the (nullable) customer, which PostgreSQL cannot lock.
    qs = complaints_for(user, few=True).select_related("profile")
    return access_row(qs, pk, for_write=for_write)


def access_attachment(user, complaint_pk, pk) -> Attachment:
    """A document of a complaint the user reaches, or NotFound."""
    complaint = access_complaint(user, complaint_pk)
    return access_in(Attachment.objects.filter(complaint=complaint), pk)


def access_notice(user, complaint_pk, pk) -> Notice:
    """A notice of a complaint the user reaches (with its complaint), or NotFound."""
    complaint = access_in(complaints_for(user, few=True).select_related(*RELATIONS), complaint_pk)
    notice = access_in(Notice.objects.filter(complaint=complaint), pk)
    notice.complaint = complaint
    return notice
