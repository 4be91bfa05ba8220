import pytest

from crm.accounts import roles
from tests.factories import BranchFactory, TeamFactory, UserFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


@pytest.fixture
def branch(db):
    return BranchFactory()


@pytest.fixture
def team(branch):
    return TeamFactory(branch=branch)


@pytest.fixture
def other_team(branch):
    return TeamFactory(branch=branch)


@pytest.fixture
def rm_a(team):
    return UserFactory(role=roles.RELATIONSHIP_MANAGER, team=team, branch=team.branch)


@pytest.fixture
def rm_b(team):
    return UserFactory(role=roles.RELATIONSHIP_MANAGER, team=team, branch=team.branch)


@pytest.fixture
def rm_other(other_team):
    return UserFactory(role=roles.RELATIONSHIP_MANAGER, team=other_team, branch=other_team.branch)


@pytest.fixture
def lead(team):
    return UserFactory(role=roles.TEAM_LEAD, team=team, branch=team.branch)


@pytest.fixture
def head(branch):
    return UserFactory(role=roles.BRANCH_HEAD, branch=branch, team=None)
