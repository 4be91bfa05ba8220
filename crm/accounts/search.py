"""Staff in the global search (crm.ui.search): the bank's internal directory.

Every signed-in member of staff finds active colleagues by name (or exactly by user name or
employee number) and sees what a staff directory shows — name, branch, team — never contact
details. The entry links to the colleague's KPI page only for those who may open it (the
dashboard permission, and the colleague within their staff scope)."""

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Case, Value, When
from django.urls import reverse
from django.utils.translation import pgettext_lazy

from crm.accounts.access import staff_filter
from crm.ui.registry import SearchProvider
from crm.ui.search import Hit, Term, ranked, tiers_for_text


def directory(user):
    """Who the directory lists: active staff placed in a branch (not service accounts)."""
    return get_user_model().objects.filter(is_active=True, branch__isnull=False)


def search_staff(user, term: Term, limit: int) -> list[Hit]:
    if not term.text:
        return []
    text = term.text
    tiers = tiers_for_text(
        text, exact=["display_name"], prefix=["display_name"], contains=["display_name"]
    )
    # A user name or an employee number is typed whole: an exact match only.
    tiers[0] |= tiers_for_text(text, exact=["username", "employee_no"], prefix=[])[0]
    may_open = user.has_perm("performance.view_dashboard")
    qs = directory(user).annotate(
        in_scope=Case(
            When(staff_filter(user), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    rows = ranked(
        qs,
        tiers,
        limit=limit,
        fields=["pk", "display_name", "username", "branch__name", "team__name", "in_scope"],
    )
    return [
        Hit(
            r["display_name"] or r["username"],
            reverse("performance:staff-detail", args=[r["pk"]])
            if may_open and r["in_scope"]
            else "",
            " · ".join(filter(None, (r["branch__name"], r["team__name"]))),
            r["search_rank"],
        )
        for r in rows
    ]


PROVIDER = SearchProvider("staff", pgettext_lazy("search group", "Staff"), search_staff, order=80)
