"""An organisation for dashboard tests:

HO ─ SH (branch head `head`) ─ SH-PD (team A: lead, rm_a1, rm_a2; team B: rm_b1)
   └ BJ ─ BJ-CY (team C: rm_other)
"""

import datetime

import pytest
from django.utils import timezone

from crm.accounts import roles
from crm.accounts.models import Branch
from tests.factories import BranchFactory, TeamFactory, UserFactory


class Org:
    pass


@pytest.fixture
def org(db):
    o = Org()
    ho = BranchFactory(code="HO", name="总行", level=Branch.Level.HEAD_OFFICE, parent=None)
    o.sh = BranchFactory(code="SH", name="上海分行", level=Branch.Level.BRANCH, parent=ho)
    o.pd = BranchFactory(code="SH-PD", name="浦东支行", parent=o.sh)
    o.bj = BranchFactory(code="BJ", name="北京分行", level=Branch.Level.BRANCH, parent=ho)
    o.cy = BranchFactory(code="BJ-CY", name="朝阳支行", parent=o.bj)
    o.team_a = TeamFactory(name="财富一组", branch=o.pd)
    o.team_b = TeamFactory(name="机构业务组", branch=o.pd)
    o.team_c = TeamFactory(name="私行团队", branch=o.cy)
    joined = timezone.now() - datetime.timedelta(days=400)

    def person(username, role, branch, team, name):
        return UserFactory(
            username=username,
            display_name=name,
            role=role,
            branch=branch,
            team=team,
            employee_no=f"E-{username}",
            date_joined=joined,
        )

    o.lead = person("lead", roles.TEAM_LEAD, o.pd, o.team_a, "刘洋")
    o.team_a.lead = o.lead
    o.team_a.save()
    o.rm_a1 = person("rm_a1", roles.RELATIONSHIP_MANAGER, o.pd, o.team_a, "王芳")
    o.rm_a2 = person("rm_a2", roles.RELATIONSHIP_MANAGER, o.pd, o.team_a, "李强")
    o.rm_b1 = person("rm_b1", roles.RELATIONSHIP_MANAGER, o.pd, o.team_b, "赵敏")
    o.rm_other = person("rm_other", roles.RELATIONSHIP_MANAGER, o.cy, o.team_c, "陈杰")
    o.head = person("head", roles.BRANCH_HEAD, o.sh, None, "孙丽")
    o.compliance = person("compliance", roles.COMPLIANCE_OFFICER, ho, None, "周静")
    return o
