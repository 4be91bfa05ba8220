"""Demo organisation for `seed_demo`: branches, teams and one user per role."""

from django.conf import settings
from django.contrib.auth.models import Group

from . import roles
from .models import Branch, Team, User

BRANCHES = [
    ("HO", "总行", Branch.Level.HEAD_OFFICE, None),
    ("SH", "上海分行", Branch.Level.BRANCH, "HO"),
    ("SH-PD", "浦东支行", Branch.Level.SUB_BRANCH, "SH"),
    ("BJ", "北京分行", Branch.Level.BRANCH, "HO"),
    ("BJ-CY", "朝阳支行", Branch.Level.SUB_BRANCH, "BJ"),
]
TEAMS = [("SH-PD", "财富一组"), ("SH-PD", "机构业务组"), ("BJ-CY", "私行团队")]
# username, display name, role, branch, team
USERS = [
    ("rm1", "王芳", roles.RELATIONSHIP_MANAGER, "SH-PD", "财富一组"),
    ("rm2", "李强", roles.RELATIONSHIP_MANAGER, "SH-PD", "财富一组"),
    ("rm3", "赵敏", roles.RELATIONSHIP_MANAGER, "SH-PD", "机构业务组"),
    ("rm4", "陈杰", roles.RELATIONSHIP_MANAGER, "BJ-CY", "私行团队"),
    ("lead1", "刘洋", roles.TEAM_LEAD, "SH-PD", "财富一组"),
    ("head1", "孙丽", roles.BRANCH_HEAD, "SH", None),
    ("compliance1", "周静", roles.COMPLIANCE_OFFICER, "HO", None),
    ("compliance2", "吴磊", roles.COMPLIANCE_OFFICER, "HO", None),
    ("risk1", "郑华", roles.RISK_OFFICER, "HO", None),
    ("auditor1", "冯雪", roles.AUDITOR, "HO", None),
    ("admin", "系统管理员", roles.ADMINISTRATOR, "HO", None),
]


def seed_organisation(stdout) -> dict[str, User]:
    branches: dict[str, Branch] = {}
    for code, name, level, parent in BRANCHES:
        branch, _ = Branch.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent": branches.get(parent)}
        )
        branches[code] = branch
    teams = {}
    for branch_code, name in TEAMS:
        teams[name], _ = Team.objects.get_or_create(branch=branches[branch_code], name=name)
    password = settings.FIDUCIA["DEMO_PASSWORD"]
    users = {}
    for username, display, role, branch_code, team_name in USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "display_name": display,
                "branch": branches[branch_code],
                "team": teams.get(team_name),
                "email": f"{username}@fiducia.invalid",
                "employee_no": f"E{len(users) + 1:04d}",
                "is_staff": role == roles.ADMINISTRATOR,
                "is_superuser": role == roles.ADMINISTRATOR,
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    teams["财富一组"].lead = users["lead1"]
    teams["财富一组"].save(update_fields=["lead"])
    stdout.write(
        f"  organisation: {len(branches)} branches, {len(teams)} teams, {len(users)} users"
    )
    return users
