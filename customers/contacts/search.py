"""Follow-up tasks in the global search (crm.ui.search): the open tasks of the customers the
term finds (number, name, pinyin, exact ID…), within tasks_for(user), soonest due first."""

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from crm.core import texts
from crm.ui.registry import SearchProvider
from crm.ui.search import Hit, Term, ranked
from customers.contacts.access import tasks_for
from customers.records.models import FollowUpTask
from customers.records.search import customer_tiers


def search_tasks(user, term: Term, limit: int) -> list[Hit]:
    # Tasks are found by their customer: titles are generated ("quarterly visit") and free text
    # over millions of tasks would need an index of its own for little gain.
    rows = ranked(
        tasks_for(user).filter(status=FollowUpTask.Status.OPEN),
        customer_tiers(term, "customer__", substrings=False),
        limit=limit,
        fields=[
            "pk",
            "title",
            "text_code",
            "text_params",
            "due_on",
            "customer_id",
            "customer__name",
            "customer__number",
        ],
    )
    rows.sort(key=lambda r: (r["search_rank"], r["due_on"], r["pk"]))
    return [
        Hit(
            texts.render(r["text_code"], r["text_params"], r["title"]),
            reverse("customers:customer-detail", args=[r["customer_id"]]),
            _("%(customer)s %(number)s · due %(due)s")
            % {
                "customer": r["customer__name"],
                "number": r["customer__number"],
                "due": formats.date_format(r["due_on"], "SHORT_DATE_FORMAT"),
            },
            r["search_rank"],
        )
        for r in rows
    ]


PROVIDER = SearchProvider(
    "tasks",
    pgettext_lazy("search group", "Follow-up tasks"),
    search_tasks,
    permission="customers.view_followuptask",
    order=40,
)
