"""Hypothesis profiles for the property tests, chosen by ``ERLEN_HYPOTHESIS_PROFILE``.

- ``ci`` (the default, used by ``./scripts/test``): a small fixed example budget and a
  derandomized seed, so a run is quick and repeatable.
- ``fuzz`` (``./scripts/fuzz``): ``ERLEN_FUZZ_EXAMPLES`` examples per property (2,000
  unless set), random seeds, and the example database in ``.hypothesis/`` so a failure
  found once is replayed first next time.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# The shared autouse fixtures (leak_detector) are function-scoped but hold no state
# between examples, and the apps are built once per module.
_suppressed = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]

settings.register_profile(
    "ci",
    max_examples=30,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=_suppressed,
)
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("ERLEN_FUZZ_EXAMPLES", "2000")),
    deadline=None,
    print_blob=True,
    suppress_health_check=[*_suppressed, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("ERLEN_HYPOTHESIS_PROFILE", "ci"))
