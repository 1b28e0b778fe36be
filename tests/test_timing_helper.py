"""The hostile-input timing check itself: it passes linear work and fails quadratic work."""

from __future__ import annotations

import pytest
from _timing import assert_linear


def count_linear(n: int) -> int:
    total = 0
    for _ in range(n):
        total += 1
    return total


def count_quadratic(n: int) -> int:
    total = 0
    for _ in range(n):
        for _ in range(n):
            total += 1
    return total


def test_linear_work_passes() -> None:
    assert_linear(count_linear, lambda n: n, 10_000)


def test_quadratic_work_fails() -> None:
    with pytest.raises(AssertionError, match="not linear"):
        assert_linear(count_quadratic, lambda n: n, 100)
