"""Labels and generated texts of complaints in each reader's language: a state is not a
statistic, and deadline notifications are stored as codes (crm.core.texts)."""

import datetime

import pytest
from django.utils import translation

from complaints import services
from complaints.models import State
from crm.core.models import Notification

from .factories import make_complaint, move


def test_received_state_is_translated_as_a_state_not_as_intake_volume():
    with translation.override("zh-hans"):
        assert str(State.RECEIVED.label) == "已接收"
        # The statistics column keeps its own wording.
        assert translation.gettext("Received") == "受理量"
    with translation.override("en"):
        assert str(State.RECEIVED.label) == "Received"


@pytest.mark.django_db
def test_deadline_notifications_read_in_each_users_language(rm, customer, officer):
    c = move(officer, make_complaint(rm, customer=customer), "in_handling")
    services.complaints_sweep_deadlines(c.due_on - datetime.timedelta(days=2))
    note = Notification.objects.get(recipient=officer)
    assert note.text_code == "complaint.due_soon"
    assert note.text_params == {"ref": c.reference, "due": c.due_on.isoformat()}
    with translation.override("en"):
        assert note.title_text == f"Complaint {c.reference} is due on {c.due_on.isoformat()}"
    with translation.override("zh-hans"):
        assert note.title_text == note.title
    assert c.reference in note.title and "Complaint" not in note.title
