"""Chinese labels of the complaint states: a state is not a statistic."""

from django.utils import translation

from complaints.models import State


def test_received_state_is_translated_as_a_state_not_as_intake_volume():
    with translation.override("zh-hans"):
        assert str(State.RECEIVED.label) == "已接收"
        # The statistics column keeps its own wording.
        assert translation.gettext("Received") == "受理量"
    with translation.override("en"):
        assert str(State.RECEIVED.label) == "Received"
