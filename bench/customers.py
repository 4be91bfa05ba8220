"""Customer list, search and 360 timings on the bench database (after bench/generate.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fiducia_bench \\
        .venv/bin/python bench/customers.py --runs 30

Each scenario is requested through Django's test Client (the full middleware stack, so the
numbers include session, permissions and template rendering, but no network) --runs times after
one warm-up; it prints exact query counts and p50/p95 server time, as an RM and as compliance.
"""

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup  # noqa: E402
from _timing import measure_page, percentile  # noqa: E402

django_setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from crm import crypto  # noqa: E402
from crm.accounts.models import User  # noqa: E402
from customers.records.models import Customer  # noqa: E402


def scenarios(user) -> list[tuple[str, str, dict]]:
    sample = Customer.objects.filter(owner=user).order_by("number").first() if user else None
    if sample is None or user.username == "bench_compliance":
        sample = (
            Customer.objects.filter(number__startswith="B", kind="individual")
            .order_by("number")[1234:1235]
            .get()
        )
    institution = (
        Customer.objects.filter(
            number__startswith="B", kind="institution", owner=sample.owner
        ).first()
        or Customer.objects.filter(number__startswith="B", kind="institution").first()
    )
    id_number = crypto.decrypt(sample.id_number_encrypted)
    surname = sample.name[0]
    from crm.identifiers import ID_NUMBER, MOBILE, USCC, search_token
    from customers.records.search_keys import pinyin_keys

    full, initials = pinyin_keys(sample.name)
    lst = reverse("customers:customer-list")
    return [
        ("list", lst, {}),
        ("filtered list", lst, {"kind": "individual", "vip_level": "gold", "sort": "-aum"}),
        ("search: name (汉字)", lst, {"q": sample.name}),
        ("search: surname prefix", lst, {"q": surname}),
        ("search: pinyin initials", lst, {"q": initials}),
        ("search: full pinyin", lst, {"q": full}),
        ("search: customer number", lst, {"q": sample.number}),
        ("search: phone last 4", lst, {"q": sample.mobile[-4:]}),
        # Identifier searches arrive as keyed-hash tokens (the list redirects a clear one).
        ("search: ID number", lst, {"qk": search_token(ID_NUMBER, id_number)}),
        ("search: mobile", lst, {"qk": search_token(MOBILE, sample.mobile)}),
        ("search: USCC", lst, {"qk": search_token(USCC, institution.uscc)}),
        ("customer 360", reverse("customers:customer-detail", args=[sample.pk]), {}),
    ]


def run(user, runs: int) -> None:
    client = Client()
    client.force_login(user)
    print(f"\nas {user.username} ({', '.join(sorted(user.role_names))})")
    print(f"  {'scenario':<26}{'queries':>8}{'p50 ms':>9}{'p95 ms':>9}{'rows':>6}")
    for name, url, params in scenarios(user):
        response, queries, times = measure_page(client, name, url, runs, params)
        page = response.context.get("page") if response.context else None
        rows = len(page) if page is not None else "-"
        print(
            f"  {name:<26}{len(queries):>8}{statistics.median(times):>9.1f}"
            f"{percentile(times, 95):>9.1f}{rows!s:>6}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rm", default="bench_rm001")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    total = Customer.objects.filter(number__startswith="B").order_by().count()  # once, offline
    print(f"bench database: {connection.settings_dict['NAME']}, {total:,} generated customers")
    for username in (args.rm, "bench_compliance"):
        run(User.objects.get(username=username), args.runs)


if __name__ == "__main__":
    main()
