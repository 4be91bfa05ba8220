"""The people of Fiducia's tests, defined once (registered for every test package by
tests/conftest.py through `pytest_plugins`).

One branch with one team is the organisation most tests need:

    branch ─ team:       rm (alias rm_a), rm_b, lead
           ─ other_team: rm_other
    head: branch head of `branch`
    other_rm: an RM of another branch and team (out of everybody's scope above)
    compliance (aliases officer, compliance_user), second_officer, risk (risk_user),
    auditor (auditor_user), admin: head-office roles, each in a branch of their own
    rm_user: an RM with a branch and team of their own (tests that need nobody else)

Apps keep only their own data fixtures (a customer, a policy, an organisation chart) in their
conftest.py. Aliases keep the names the tests were written with.
"""

import pytest

from crm.accounts import roles
from tests.factories import BranchFactory, TeamFactory, UserFactory


def person(role, **fields):
    """A staff member in `role`; without `team`/`branch` they get a branch and team of their own."""
    return UserFactory(role=role, **fields)


@pytest.fixture
def make_user(db):
    """make_user(role, **fields) → a staff member in that role."""
    return person


def staff(role, **fields):
    """A fixture: a staff member in `role` with a branch and team of their own."""

    @pytest.fixture
    def fixture(db):
        return person(role, **fields)

    return fixture


def alias(name):
    """A fixture that is the fixture `name` under another name (the one tests were written with)."""

    @pytest.fixture
    def fixture(request):
        return request.getfixturevalue(name)

    return fixture


# ---- the organisation ------------------------------------------------------------------------


@pytest.fixture
def branch(db):
    return BranchFactory()


@pytest.fixture
def team(branch):
    return TeamFactory(branch=branch)


@pytest.fixture
def other_team(branch):
    return TeamFactory(branch=branch)


# ---- people in it ----------------------------------------------------------------------------


@pytest.fixture
def rm(team):
    return person(roles.RELATIONSHIP_MANAGER, team=team, branch=team.branch)


rm_a = alias("rm")


@pytest.fixture
def rm_b(team):
    return person(roles.RELATIONSHIP_MANAGER, team=team, branch=team.branch)


@pytest.fixture
def rm_other(other_team):
    return person(roles.RELATIONSHIP_MANAGER, team=other_team, branch=other_team.branch)


other_rm = staff(roles.RELATIONSHIP_MANAGER)


@pytest.fixture
def lead(team):
    return person(roles.TEAM_LEAD, team=team, branch=team.branch)


@pytest.fixture
def head(branch):
    return person(roles.BRANCH_HEAD, branch=branch, team=None)


# ---- head-office roles -----------------------------------------------------------------------

compliance = staff(roles.COMPLIANCE_OFFICER)
officer = alias("compliance")
compliance_user = alias("compliance")
second_officer = staff(roles.COMPLIANCE_OFFICER)
risk = staff(roles.RISK_OFFICER)
risk_user = alias("risk")
auditor = staff(roles.AUDITOR)
auditor_user = alias("auditor")
# The administrator role (not pytest-django's `admin_user`, a superuser).
admin = staff(roles.ADMINISTRATOR, is_staff=True)
rm_user = staff(roles.RELATIONSHIP_MANAGER)


# ---- signed-in clients -----------------------------------------------------------------------


@pytest.fixture
def as_user(client):
    """as_user(user) → the test client, signed in as `user`."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def rm_client(client, rm_user):
    client.force_login(rm_user)
    client.user = rm_user
    return client
