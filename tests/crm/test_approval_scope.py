"""Issue 15 item 3: every approval kind says who may decide it (the requester's line or a central
role, never the requester); the queue lists only those, and anyone else gets a 404 and changes
nothing."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from crm.accounts import roles
from crm.audit.models import AuditEntry
from crm.core import approvals
from crm.core.access import NotFound
from crm.core.models import ApprovalRequest
from tests.factories import BranchFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

# Every kind the apps register (the apps are ready when tests are collected).
KINDS = sorted(approvals.kinds())


def test_the_apps_register_every_kind_with_a_rule():
    assert {
        "customers.pii_export",
        "compliance.audit_export",
        "compliance.watchlist_change",
        "complaints.extension",
        "tiering.override",
    } <= set(KINDS)
    for key in KINDS:
        assert isinstance(approvals.get_kind(key).deciders, approvals.Deciders), key


def test_a_kind_without_a_rule_cannot_be_declared():
    with pytest.raises(TypeError):
        approvals.ApprovalKind("test.norule", "No rule", "audit.export_auditentry")


def _grant(user, permission):
    app_label, codename = permission.split(".")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )
    # Permissions are cached on the user object.
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def org():
    """Head office above two branches, Beijing and Shanghai, each with a team."""
    beijing, shanghai = BranchFactory(code="BJ"), BranchFactory(code="SH")
    bj_team, sh_team = TeamFactory(branch=beijing), TeamFactory(branch=shanghai)
    requester = UserFactory(role=roles.RELATIONSHIP_MANAGER, branch=beijing, team=bj_team)
    return {
        "requester": requester,
        "head_office": beijing.parent,
        "beijing": beijing,
        "bj_team": bj_team,
        "shanghai": shanghai,
        "sh_team": sh_team,
    }


def _pending(kind, requester):
    spec = approvals.get_kind(kind)
    return ApprovalRequest.objects.create(
        kind=kind,
        summary="Out-of-scope probe 75",
        reason="test",
        requested_by=requester,
        approver_permission=spec.permission,
        expires_at=timezone.now() + timedelta(days=1),
    )


def _people(org, permission):
    """Approvers holding the kind's permission, each in a different place."""

    def make(role, branch, team=None):
        return _grant(UserFactory(role=role, branch=branch, team=team), permission)

    return {
        "shanghai_lead": make(roles.TEAM_LEAD, org["shanghai"], org["sh_team"]),
        "shanghai_head": make(roles.BRANCH_HEAD, org["shanghai"]),
        "beijing_lead": make(roles.TEAM_LEAD, org["beijing"], org["bj_team"]),
        "beijing_head": make(roles.BRANCH_HEAD, org["beijing"]),
        "head_office_head": make(roles.BRANCH_HEAD, org["head_office"]),
        "central": make(roles.COMPLIANCE_OFFICER, org["shanghai"]),
        "requester": _grant(org["requester"], permission),
    }


def _in_scope(kind):
    if approvals.get_kind(kind).deciders is approvals.Deciders.CENTRAL:
        return {"central"}
    return {"beijing_lead", "beijing_head", "head_office_head", "central"}


@pytest.mark.parametrize("kind", KINDS)
def test_out_of_scope_approvers_get_404_and_nothing_changes(kind, org, client):
    spec = approvals.get_kind(kind)
    req = _pending(kind, org["requester"])
    people = _people(org, spec.permission)
    outside = set(people) - _in_scope(kind) - {"requester"}
    assert "shanghai_lead" in outside and "shanghai_head" in outside
    for name in sorted(outside):
        user = people[name]
        assert req not in approvals.approvals_pending_for(user), name
        assert not approvals.can_decide(user, req), name
        client.force_login(user)
        page = client.get(reverse("core:approval-list")).content.decode()
        assert "Out-of-scope probe 75" not in page, name
        for decision in ("approve", "reject"):
            response = client.post(
                reverse("core:approval-decide", args=[req.pk]),
                {"decision": decision, "note": "no"},
            )
            assert response.status_code == 404, (name, decision)
        with pytest.raises(NotFound):
            approvals.approval_decide(user, req.pk, approve=True)
    req.refresh_from_db()
    assert req.status == ApprovalRequest.Status.PENDING and req.decided_by is None
    assert not AuditEntry.objects.filter(action__in=["approval.approved", "approval.rejected"])


@pytest.mark.parametrize("kind", KINDS)
def test_the_line_and_central_roles_may_decide_never_the_requester(kind, org):
    spec = approvals.get_kind(kind)
    req = _pending(kind, org["requester"])
    people = _people(org, spec.permission)
    for name in sorted(_in_scope(kind)):
        assert list(approvals.approvals_pending_for(people[name])) == [req], name
        assert approvals.can_decide(people[name], req), name
    assert req not in approvals.approvals_pending_for(people["requester"])
    assert not approvals.can_decide(people["requester"], req)


def test_the_queue_is_one_query_whatever_its_length(org, django_assert_num_queries):
    people = _people(org, "customers.approve_pii_export")
    for _ in range(5):
        _pending("customers.pii_export", org["requester"])
    head = people["beijing_head"]
    # Roles, permissions and the branch path come from the access cache, loaded once per user.
    head.role_names  # noqa: B018
    head.has_perm("customers.approve_pii_export")
    with django_assert_num_queries(1):  # the branch subtree is a subquery of the one SELECT
        assert len(list(approvals.approvals_pending_for(head))) == 5
