"""Who sees which customers: one rule in crm.accounts.access, used by every selector."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from crm.accounts import roles
from crm.accounts.access import Scope, book_filter, scope_of, staff_filter
from crm.accounts.models import Branch, User
from customers.records.access import access_customer, customers_for
from customers.records.models import CustomerCoServer
from tests.factories import BranchFactory, CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    """Head office → 上海分行 → 浦东支行 / 静安支行; 北京分行 → 朝阳支行; customers everywhere."""
    ho = Branch.objects.get_or_create(code="HO", defaults={"name": "总行", "level": "head_office"})[
        0
    ]
    sh = BranchFactory(code="SH", name="上海分行", level=Branch.Level.BRANCH, parent=ho)
    pd = BranchFactory(code="SH-PD", name="浦东支行", parent=sh)
    ja = BranchFactory(code="SH-JA", name="静安支行", parent=sh)
    bj = BranchFactory(code="BJ", name="北京分行", level=Branch.Level.BRANCH, parent=ho)
    cy = BranchFactory(code="BJ-CY", name="朝阳支行", parent=bj)
    team_a = TeamFactory(branch=pd, name="财富一组")
    team_b = TeamFactory(branch=pd, name="财富二组")
    team_j = TeamFactory(branch=ja, name="静安组")
    team_c = TeamFactory(branch=cy, name="私行团队")

    def rm(branch, team):
        return UserFactory(role=roles.RELATIONSHIP_MANAGER, branch=branch, team=team)

    o = {
        "rm_a": rm(pd, team_a),
        "rm_a2": rm(pd, team_a),
        "rm_b": rm(pd, team_b),
        "rm_j": rm(ja, team_j),
        "rm_c": rm(cy, team_c),
    }
    o["cust"] = {key: CustomerFactory(owner=user) for key, user in o.items()}
    o["lead_a"] = UserFactory(role=roles.TEAM_LEAD, branch=pd, team=team_a)
    o["head_sh"] = UserFactory(role=roles.BRANCH_HEAD, branch=sh, team=None)
    o["head_pd"] = UserFactory(role=roles.BRANCH_HEAD, branch=pd, team=None)
    return o


def visible(user, org):
    pks = set(customers_for(user).values_list("pk", flat=True))
    return {key for key, c in org["cust"].items() if c.pk in pks}


def test_rm_sees_own_book(org):
    assert visible(org["rm_a"], org) == {"rm_a"}
    assert scope_of(org["rm_a"]) is Scope.OWN


def test_rm_sees_co_served_customers(org):
    CustomerCoServer.objects.create(customer=org["cust"]["rm_c"], user=org["rm_a"])
    assert visible(org["rm_a"], org) == {"rm_a", "rm_c"}
    assert visible(org["rm_a2"], org) == {"rm_a2"}


def test_team_lead_sees_team(org):
    assert visible(org["lead_a"], org) == {"rm_a", "rm_a2"}
    assert scope_of(org["lead_a"]) is Scope.TEAM


def test_branch_head_sees_branch_subtree_including_sub_branches(org):
    assert visible(org["head_sh"], org) == {"rm_a", "rm_a2", "rm_b", "rm_j"}
    assert visible(org["head_pd"], org) == {"rm_a", "rm_a2", "rm_b"}
    assert scope_of(org["head_sh"]) is Scope.BRANCH


def test_branch_subtree_does_not_match_code_prefixes(org):
    # "SH" must not match a sibling whose code merely starts with "SH" (paths end with "/").
    ho = Branch.objects.get(code="HO")
    shx = BranchFactory(code="SHX", name="山西分行", level=Branch.Level.BRANCH, parent=ho)
    other = CustomerFactory(owner=UserFactory(role=roles.RELATIONSHIP_MANAGER, branch=shx))
    assert other not in customers_for(org["head_sh"])


@pytest.mark.parametrize(
    "role",
    [roles.COMPLIANCE_OFFICER, roles.RISK_OFFICER, roles.AUDITOR, roles.ADMINISTRATOR],
)
def test_central_roles_see_everything(org, role):
    user = UserFactory(role=role)
    assert visible(user, org) == set(org["cust"])
    assert scope_of(user) is Scope.ALL


def test_superuser_sees_everything(org):
    assert visible(UserFactory(is_superuser=True), org) == set(org["cust"])


def test_no_role_sees_nothing(org):
    assert visible(UserFactory(), org) == set()
    assert scope_of(UserFactory()) is Scope.NONE


def test_inactive_and_anonymous_see_nothing(org):
    org["rm_a"].is_active = False
    assert scope_of(org["rm_a"]) is Scope.NONE
    assert scope_of(AnonymousUser()) is Scope.NONE
    assert visible(org["rm_a"], org) == set()


def test_widest_role_wins(org):
    from django.contrib.auth.models import Group

    user = org["rm_b"]
    user.groups.add(Group.objects.get(name=roles.BRANCH_HEAD))
    user = User.objects.get(pk=user.pk)
    assert scope_of(user) is Scope.BRANCH


def test_lead_without_team_and_head_without_branch_fall_back_to_own_book(org):
    lead = UserFactory(role=roles.TEAM_LEAD, team=None)
    head = UserFactory(role=roles.BRANCH_HEAD, branch=None, team=None)
    assert scope_of(lead) is Scope.OWN
    assert scope_of(head) is Scope.OWN
    assert visible(head, org) == set()


def test_book_filter_with_custom_field_paths(org):
    q = book_filter(org["rm_a"], owner="customer__owner")
    assert q == Q(customer__owner=org["rm_a"])
    assert book_filter(UserFactory(role=roles.AUDITOR)) == Q()


def test_access_customer_is_not_found_outside_scope(org):
    from crm.core.access import NotFound

    assert access_customer(org["rm_a"], org["cust"]["rm_a"].pk) == org["cust"]["rm_a"]
    with pytest.raises(NotFound):
        access_customer(org["rm_a"], org["cust"]["rm_b"].pk)
    with pytest.raises(NotFound):
        access_customer(org["rm_a"], "not-an-id")


def test_customer_page_outside_scope_is_404_not_403(client, org):
    client.force_login(org["rm_a"])
    assert client.get(f"/customers/{org['cust']['rm_a'].pk}/").status_code == 200
    assert client.get(f"/customers/{org['cust']['rm_b'].pk}/").status_code == 404
    assert client.get("/customers/999999/").status_code == 404


def test_staff_filter(org):
    team = set(User.objects.filter(staff_filter(org["lead_a"])))
    assert team == {org["rm_a"], org["rm_a2"], org["lead_a"]}
    branch = set(User.objects.filter(staff_filter(org["head_sh"])))
    assert {org["rm_a"], org["rm_b"], org["rm_j"], org["head_pd"]} <= branch
    assert org["rm_c"] not in branch
    assert list(User.objects.filter(staff_filter(org["rm_a"]))) == [org["rm_a"]]


def test_customers_for_is_a_fixed_number_of_queries(org, django_assert_num_queries):
    # One small look-up of co-served ids (so PostgreSQL can OR two indexes instead of an
    # EXISTS per row), then the scoped query itself.
    CustomerCoServer.objects.create(customer=org["cust"]["rm_c"], user=org["rm_a"])
    for user in (org["rm_a"], org["lead_a"], org["head_sh"]):
        user = User.objects.get(pk=user.pk)
        _ = user.role_names, user.branch
        with django_assert_num_queries(2):
            list(customers_for(user))
