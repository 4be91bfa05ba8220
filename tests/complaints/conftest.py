import pytest

from crm.accounts import roles
from tests.factories import CustomerFactory, TeamFactory, UserFactory


@pytest.fixture
def team(db):
    return TeamFactory()


@pytest.fixture
def rm(team):
    return UserFactory(role=roles.RELATIONSHIP_MANAGER, team=team, branch=team.branch)


@pytest.fixture
def other_rm(db):
    return UserFactory(role=roles.RELATIONSHIP_MANAGER)


@pytest.fixture
def officer(db):
    return UserFactory(role=roles.COMPLIANCE_OFFICER)


@pytest.fixture
def second_officer(db):
    return UserFactory(role=roles.COMPLIANCE_OFFICER)


@pytest.fixture
def customer(rm):
    return CustomerFactory(owner=rm, name="张伟")
