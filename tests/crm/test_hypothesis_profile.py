"""Property tests run under one Hypothesis profile (tests/conftest.py) that does not depend on
how fast the machine happens to be."""

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st


def test_the_loaded_profile_has_no_wall_clock_limits():
    current = hypothesis_settings.default
    assert current.deadline is None
    assert HealthCheck.too_slow in current.suppress_health_check
    # A wrong strategy is still reported.
    assert HealthCheck.filter_too_much not in current.suppress_health_check


def test_the_ci_profile_is_reproducible():
    ci = hypothesis_settings.get_profile("ci")
    assert ci.derandomize is True
    assert ci.database is None
    assert ci.deadline is None


@given(st.integers())
def test_a_plain_given_test_inherits_the_profile(n):
    # @given without @settings (as the validators' tests are written) runs under the profile.
    assert hypothesis_settings.default.deadline is None
