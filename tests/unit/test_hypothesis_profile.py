"""The suite runs on loaded machines: Hypothesis has no deadline and no too_slow health check."""

from __future__ import annotations

from hypothesis import HealthCheck, settings


def test_the_loaded_profile_has_no_deadline_and_tolerates_slow_data() -> None:
    assert settings.default.deadline is None
    assert HealthCheck.too_slow in settings.default.suppress_health_check
