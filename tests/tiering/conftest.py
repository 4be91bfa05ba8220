import pytest

from crm.accounts import roles
from tests.factories import TeamFactory, UserFactory

from .factories import PolicyFactory


@pytest.fixture
def team(db):
    return TeamFactory()


@pytest.fixture
def rm(team):
    return UserFactory(role=roles.RELATIONSHIP_MANAGER, team=team, branch=team.branch)


@pytest.fixture
def lead(team):
    return UserFactory(role=roles.TEAM_LEAD, team=team, branch=team.branch)


@pytest.fixture
def head(team):
    return UserFactory(role=roles.BRANCH_HEAD, branch=team.branch, team=None)


@pytest.fixture
def admin_user(db):
    return UserFactory(role=roles.ADMINISTRATOR, is_staff=True)


@pytest.fixture
def policy(db):
    return PolicyFactory()
