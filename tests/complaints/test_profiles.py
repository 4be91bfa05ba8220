"""Each complaint runs on its own SLA profile: the handling branch's jurisdiction chooses it at
intake; compliance may move it to another profile with a reason, and the deadlines follow."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from complaints import services
from complaints.models import History, SlaProfile
from crm.accounts import roles
from crm.accounts.models import Jurisdiction
from crm.audit.models import AuditEntry
from crm.calendar import deadline
from crm.core.workflow import TransitionError
from tests.factories import BranchFactory, CustomerFactory, UserFactory

from .factories import make_complaint, move

pytestmark = pytest.mark.django_db


def _rm_in(jurisdiction):
    branch = BranchFactory(jurisdiction=jurisdiction)
    return UserFactory(role=roles.RELATIONSHIP_MANAGER, branch=branch)


def test_a_hong_kong_branch_complaint_runs_on_the_hong_kong_clocks():
    rm = _rm_in(Jurisdiction.HK)
    c = make_complaint(rm, customer=CustomerFactory(owner=rm))
    assert c.branch.jurisdiction == Jurisdiction.HK
    assert c.profile.code == "HK_HKMA"
    assert c.ack_due == deadline(c.received_on, 7)
    assert c.decision_due == deadline(c.received_on, 30)
    entry = AuditEntry.objects.get(action="complaint.logged", target_id=str(c.pk))
    assert entry.after["profile"] == "HK_HKMA"


@pytest.mark.parametrize(
    ("jurisdiction", "code", "days"),
    [(Jurisdiction.GB, "UK_FCA", 56), (Jurisdiction.CN, "CN_BANK", 15)],
)
def test_each_jurisdiction_runs_on_its_own_profile(jurisdiction, code, days):
    rm = _rm_in(jurisdiction)
    c = make_complaint(rm, customer=CustomerFactory(owner=rm))
    assert c.profile.code == code
    assert c.decision_due == deadline(c.received_on, days)


def test_a_jurisdiction_without_a_profile_runs_on_the_default():
    SlaProfile.objects.filter(jurisdiction=Jurisdiction.US).update(jurisdiction="")
    rm = _rm_in(Jurisdiction.US)
    c = make_complaint(rm, customer=CustomerFactory(owner=rm))
    assert c.profile.is_default


def test_compliance_override_recomputes_the_deadlines_and_is_audited(rm, customer, officer):
    c = make_complaint(rm, customer=customer)
    assert c.profile.code == "CN_BANK"
    uk = SlaProfile.objects.get(code="UK_FCA")
    done = services.complaint_change_profile(officer, c.pk, profile=uk, reason="由伦敦分行处理")
    done.refresh_from_db()
    assert done.profile == uk
    assert done.decision_due == deadline(c.received_on, 56)
    assert done.due_on == done.decision_due
    assert done.ack_due is None
    entry = AuditEntry.objects.get(action="complaint.profile_changed", target_id=str(c.pk))
    assert entry.purpose == "由伦敦分行处理"
    assert entry.before["profile"] == "CN_BANK" and entry.after["profile"] == "UK_FCA"
    row = History.objects.get(complaint=c, event=History.Event.PROFILE)
    assert row.data == {"from": "CN_BANK", "to": "UK_FCA"} and row.actor == officer


def test_override_keeps_the_extension_level(rm, customer, officer):
    c = make_complaint(rm, customer=customer)
    type(c).objects.filter(pk=c.pk).update(extension_level=2)
    hk = SlaProfile.objects.get(code="HK_HKMA")
    done = services.complaint_change_profile(officer, c.pk, profile=hk, reason="香港投诉")
    assert done.decision_due == deadline(c.received_on, 60)


def test_an_rm_cannot_override_the_profile(rm, customer):
    c = make_complaint(rm, customer=customer)
    with pytest.raises(PermissionDenied):
        services.complaint_change_profile(
            rm, c.pk, profile=SlaProfile.objects.get(code="UK_FCA"), reason="x"
        )
    c.refresh_from_db()
    assert c.profile.code == "CN_BANK"


def test_override_needs_a_reason_and_a_different_profile(rm, customer, officer):
    c = make_complaint(rm, customer=customer)
    with pytest.raises(ValidationError) as exc:
        services.complaint_change_profile(
            officer, c.pk, profile=SlaProfile.objects.get(code="UK_FCA"), reason="  "
        )
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.complaint_change_profile(officer, c.pk, profile=c.profile, reason="同一个")
    assert "profile" in exc.value.message_dict
    c.refresh_from_db()
    assert c.profile.code == "CN_BANK"
    assert not AuditEntry.objects.filter(action="complaint.profile_changed").exists()


def test_no_override_after_the_decision(rm, customer, officer):
    c = move(officer, make_complaint(rm, customer=customer), "decision_issued")
    with pytest.raises(TransitionError):
        services.complaint_change_profile(
            officer, c.pk, profile=SlaProfile.objects.get(code="UK_FCA"), reason="太晚"
        )


def test_regulator_forwarded_complaint_keeps_its_acknowledgement_deadline(officer):
    from complaints.models import Intake

    c = make_complaint(officer, intake=Intake.REGULATOR, regulator_reference="银保监转〔2026〕1号")
    ack = c.ack_due
    done = services.complaint_change_profile(
        officer, c.pk, profile=SlaProfile.objects.get(code="UK_FCA"), reason="英国客户"
    )
    assert done.ack_due == ack


def test_complaint_page_shows_the_profile_and_the_override_form_to_compliance(
    client, rm, customer, officer
):
    c = make_complaint(rm, customer=customer)
    url = reverse("complaints:complaint-detail", args=[c.pk])
    client.force_login(rm)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="complaint-profile"' in page and "CN banking" in page
    assert 'id="profile-form"' not in page
    client.force_login(officer)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="profile-form"' in page


def test_override_through_the_page(client, rm, customer, officer):
    c = make_complaint(rm, customer=customer)
    uk = SlaProfile.objects.get(code="UK_FCA")
    url = reverse("complaints:complaint-profile", args=[c.pk])
    client.force_login(rm)
    assert client.post(url, {"profile": uk.pk, "reason": "x"}).status_code == 403
    client.force_login(officer)
    response = client.post(url, {"profile": uk.pk, "reason": "伦敦分行"})
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.profile == uk
    # A crafted profile id is a form error, not a 500, and changes nothing.
    response = client.post(url, {"profile": "999999999", "reason": "x"}, follow=True)
    assert response.status_code == 200
    c.refresh_from_db()
    assert c.profile == uk
