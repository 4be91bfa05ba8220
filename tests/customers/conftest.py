import pytest

from crm.accounts import roles
from tests.factories import CustomerFactory, TeamFactory, UserFactory


@pytest.fixture
def team(db):
    return TeamFactory()


@pytest.fixture
def rm_a(team):
    return UserFactory(role=roles.RELATIONSHIP_MANAGER, team=team, branch=team.branch)


@pytest.fixture
def rm_b(team):
    return UserFactory(role=roles.RELATIONSHIP_MANAGER, team=team, branch=team.branch)


@pytest.fixture
def lead(team):
    return UserFactory(role=roles.TEAM_LEAD, team=team, branch=team.branch)


@pytest.fixture
def mine(rm_a):
    return CustomerFactory(
        owner=rm_a, name="张伟", mobile="13812345678", id_number="11010519491231002X"
    )


@pytest.fixture
def theirs(rm_b):
    return CustomerFactory(owner=rm_b, name="王芳", mobile="13987654321")


@pytest.fixture
def as_user(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login
