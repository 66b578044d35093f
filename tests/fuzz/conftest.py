"""Hypothesis settings for the fuzz tests: bounded examples and no per-example deadline (CI machines are shared),
so the whole folder stays within a minute; `HYPOTHESIS_PROFILE=long` runs many more locally."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile("long", max_examples=5_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
