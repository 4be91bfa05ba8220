"""Global search (issue 20, item 1): every result group scoped exactly like its own list, ranked,
within a fixed query budget, and no clear identifier in a URL."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.models import Intake
from crm import identifiers
from crm.ui import registry
from crm.ui.registry import SearchProvider
from crm.ui.search import Hit
from customers.records.models import CustomerCoServer, CustomerDocument, FollowUpTask
from tests.complaints.factories import make_complaint
from tests.compliance.factories import WarningFactory
from tests.customers.sales.factories import ProspectFactory
from tests.factories import CustomerFactory, make_resident_id

SEARCH = "/search/"
NAME = "司马相如"
HTMX = {"HTTP_HX_REQUEST": "true"}


def book_of(user, *, name=NAME, number=None):
    """One object of every searchable kind in `user`'s book, all found by `name`."""
    customer = CustomerFactory(owner=user, name=name, **({"number": number} if number else {}))
    return {
        "customers": customer,
        "documents": CustomerDocument.objects.create(
            customer=customer, kind="contract", title=f"{name}认购合同"
        ),
        "tasks": FollowUpTask.objects.create(
            customer=customer,
            owner=user,
            title="季度回访",
            reason="cadence",
            due_on=timezone.localdate() + datetime.timedelta(days=3),
        ),
        "prospects": ProspectFactory(owner=user, branch=user.branch, team=user.team, name=name),
        "complaints": make_complaint(user, customer=customer),
        "warnings": WarningFactory(customer=customer, title="贷款逾期"),
    }


URLS = {
    "customers": lambda o: reverse("customers:customer-detail", args=[o.pk]),
    "documents": lambda o: reverse("customers:customer-detail", args=[o.customer_id]) + "#profile",
    "tasks": lambda o: reverse("customers:customer-detail", args=[o.customer_id]),
    "prospects": lambda o: reverse("customers:prospect-detail", args=[o.pk]),
    "complaints": lambda o: reverse("complaints:complaint-detail", args=[o.pk]),
    "warnings": lambda o: reverse("compliance:warning-detail", args=[o.pk]),
}


def hits(client, q, **extra):
    """{group key: [urls]} of the as-you-type answer for `q`."""
    response = client.post(SEARCH, {"q": q, **extra}, **HTMX)
    assert response.status_code == 200
    return {g.key: [h.url for h in g.hits] for g in response.context["groups"]}


@pytest.mark.parametrize("group", list(URLS))
def test_an_rm_never_finds_another_rms_object(client, rm, rm_b, other_rm, group):
    mine, teammates, elsewhere = book_of(rm), book_of(rm_b), book_of(other_rm)
    client.force_login(rm)
    found = hits(client, NAME)
    assert URLS[group](mine[group]) in found[group]
    # The same name in a colleague's book (same team, other branch) is not found, whoever asks.
    assert URLS[group](teammates[group]) not in found[group]
    assert URLS[group](elsewhere[group]) not in found[group]


@pytest.mark.parametrize("group", list(URLS))
def test_wider_scopes_find_what_their_lists_show(client, rm, lead, other_rm, compliance, group):
    mine, elsewhere = book_of(rm), book_of(other_rm)
    client.force_login(lead)  # the team's book, not another branch's
    found = hits(client, NAME)
    assert URLS[group](mine[group]) in found[group]
    assert URLS[group](elsewhere[group]) not in found.get(group, [])
    client.force_login(compliance)  # head office: everybody's
    found = hits(client, NAME)
    assert {URLS[group](mine[group]), URLS[group](elsewhere[group])} <= set(found[group])


def test_a_co_served_customer_is_found_and_read_once(
    client, rm, other_rm, django_assert_max_num_queries
):
    theirs = book_of(other_rm)
    CustomerCoServer.objects.create(customer=theirs["customers"], user=rm)
    client.force_login(rm)
    client.get("/")  # the access cache filled, as on any later request
    with django_assert_max_num_queries(10) as captured:
        found = hits(client, NAME)
    assert URLS["customers"](theirs["customers"]) in found["customers"]
    assert URLS["tasks"](theirs["tasks"]) in found["tasks"]
    coserver_reads = [q for q in captured.captured_queries if "customercoserver" in q["sql"]]
    assert len(coserver_reads) == 1  # one memo for all the groups


@pytest.mark.parametrize("who", ["rm", "lead", "head", "compliance", "auditor"])
@pytest.mark.parametrize("htmx", [True, False])
def test_the_whole_request_stays_within_ten_queries(
    request, client, rm, other_rm, who, htmx, django_assert_max_num_queries
):
    for n in range(3):
        book_of(rm, number=f"C9{n:07d}")
        book_of(other_rm)
    CustomerCoServer.objects.create(customer=book_of(other_rm)["customers"], user=rm)
    client.force_login(request.getfixturevalue(who))
    client.get("/")  # caches filled, as on any later request
    with django_assert_max_num_queries(10):
        if htmx:
            response = client.post(SEARCH, {"q": NAME}, **HTMX)
        else:
            response = client.get(SEARCH, {"q": NAME})
    assert response.status_code == 200
    assert response.context["groups"]


def test_exact_matches_come_first(client, rm):
    # Three characters: on PostgreSQL a substring match needs a trigram (as on the list).
    longer = CustomerFactory(owner=rm, name="王小明华")
    exact = CustomerFactory(owner=rm, name="王小明")
    inside = CustomerFactory(owner=rm, name="欧阳王小明")
    client.force_login(rm)
    found = hits(client, "王小明")["customers"]
    assert found[0] == URLS["customers"](exact)
    assert found.index(URLS["customers"](longer)) < found.index(URLS["customers"](inside))


def test_the_group_with_an_exact_match_comes_first(client, rm):
    objects = book_of(rm)
    client.force_login(rm)
    response = client.post(SEARCH, {"q": objects["complaints"].reference}, **HTMX)
    assert response.context["groups"][0].key == "complaints"


def test_customers_by_number_pinyin_and_phone_last_4(client, rm):
    customer = CustomerFactory(owner=rm, name="张伟", number="C12345678", mobile="13912345678")
    client.force_login(rm)
    url = URLS["customers"](customer)
    for q in ("C12345678", "c1234", "zw", "zhangwei", "5678"):
        assert url in hits(client, q).get("customers", []), q


def test_an_id_number_is_found_by_its_hash_and_kept_out_of_urls(client, rm):
    id_number = make_resident_id(datetime.date(1980, 5, 6), 42)
    customer = CustomerFactory(owner=rm, id_number=id_number)
    complaint = make_complaint(rm, customer=customer)
    client.force_login(rm)
    # No JavaScript: the post is answered with a 303 to the token, never the number.
    response = client.post(SEARCH, {"q": id_number})
    assert response.status_code == 303
    assert id_number not in response["Location"]
    assert identifiers.search_token("id", id_number) in response["Location"].replace("%3A", ":")
    page = client.get(response["Location"])
    assert [h.url for h in page.context["groups"][0].hits] == [URLS["customers"](customer)]
    assert id_number.encode() not in page.content
    # A link carrying it in clear is redirected the same way.
    response = client.get(SEARCH, {"q": id_number})
    assert response.status_code == 303 and id_number not in response["Location"]
    # As you type: found in the body of a POST; the answer links to the token only.
    response = client.post(SEARCH, {"q": id_number}, **HTMX)
    found = {g.key: [h.url for h in g.hits] for g in response.context["groups"]}
    assert found["customers"] == [URLS["customers"](customer)]
    assert URLS["complaints"](complaint) in found["complaints"]
    assert id_number.encode() not in response.content


def test_a_complainant_mobile_finds_the_complaint(client, rm):
    complaint = make_complaint(
        rm,
        customer=None,
        intake=Intake.COUNTER,
        complainant_name="钱先生",
        complainant_contact="13800001111",
    )
    client.force_login(rm)
    assert URLS["complaints"](complaint) in hits(client, "138 0000 1111")["complaints"]


def test_another_rms_id_number_finds_nothing(client, rm, other_rm):
    id_number = make_resident_id(datetime.date(1975, 1, 2), 7)
    CustomerFactory(owner=other_rm, id_number=id_number)
    client.force_login(rm)
    assert hits(client, id_number) == {}


def test_bad_input_gets_a_message_and_searches_nothing(client, rm, django_assert_max_num_queries):
    client.force_login(rm)
    client.get("/")
    with django_assert_max_num_queries(2):  # session and user: no search ran
        response = client.post(SEARCH, {"q": "张" * 101}, **HTMX)
    assert response.status_code == 200
    assert "100" in response.content.decode()
    response = client.get(SEARCH, {"qk": "k:id:not-a-hash"})
    assert response.status_code == 200
    assert response.context["groups"] == []
    assert response.context["form"].errors["qk"]


def test_staff_directory_shows_names_and_branches_never_contacts(client, rm, other_rm, lead):
    other_rm.display_name = "欧阳修"
    other_rm.save()
    client.force_login(rm)
    response = client.post(SEARCH, {"q": "欧阳"}, **HTMX)
    staff = next(g for g in response.context["groups"] if g.key == "staff")
    assert [h.title for h in staff.hits] == ["欧阳修"]
    assert other_rm.branch.name in staff.hits[0].detail
    assert staff.hits[0].url == ""  # not in the RM's staff scope: no KPI page link
    assert other_rm.email.encode() not in response.content
    other_rm.is_active = False
    other_rm.save()
    assert "staff" not in hits(client, "欧阳")


def test_a_lead_opens_their_team_members_kpi_page(client, rm, lead):
    rm.display_name = "诸葛亮"
    rm.save()
    client.force_login(lead)
    response = client.post(SEARCH, {"q": "诸葛"}, **HTMX)
    staff = next(g for g in response.context["groups"] if g.key == "staff")
    assert staff.hits[0].url == reverse("performance:staff-detail", args=[rm.pk])


def test_more_links_lead_to_the_full_list_search(client, rm):
    book_of(rm)
    client.force_login(rm)
    response = client.post(SEARCH, {"q": NAME}, **HTMX)
    more = {g.key: g.more_url for g in response.context["groups"]}
    assert more["customers"].startswith(reverse("customers:customer-list") + "?q=")
    assert more["tasks"] == f"{SEARCH}?q=%E5%8F%B8%E9%A9%AC%E7%9B%B8%E5%A6%82&group=tasks"
    page = client.get(more["tasks"])
    assert [g.key for g in page.context["groups"]] == ["tasks"]


def test_the_full_page_works_without_javascript(client, rm):
    objects = book_of(rm)
    client.force_login(rm)
    response = client.post(SEARCH, {"q": NAME})
    assert response.status_code == 303
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'id="search-page-form"' in page.content.decode()
    assert URLS["customers"](objects["customers"]).encode() in page.content


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get(SEARCH, {"q": NAME})
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_later_kind_of_record_joins_by_registering(client, rm, monkeypatch):
    """Inquiries (issue 18) do not exist yet: they plug in with one SearchProvider."""
    monkeypatch.setitem(
        registry._search,
        "inquiries",
        SearchProvider(
            "inquiries",
            "Inquiries",
            lambda user, term, limit: [Hit(f"Q-{term.text}", "/inquiries/1/", rank=0)],
        ),
    )
    client.force_login(rm)
    assert hits(client, "42")["inquiries"] == ["/inquiries/1/"]
