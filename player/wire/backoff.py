"""Retry delays: exponential up to a cap, with jitter so a fleet never retries in step."""

from __future__ import annotations

import random

MAX_DOUBLINGS = 30  # weeks offline must not overflow a float (2**1024 would)
EQUAL_JITTER = (0.5, 1.0)  # half of each delay fixed, half random


def backoff_delay(
    attempt: int,
    *,
    base: float,
    cap: float,
    rng: random.Random,
    spread: tuple[float, float] = EQUAL_JITTER,
) -> float:
    """Seconds to wait before retry number `attempt` (0 for the first retry).

    The ceiling doubles from `base` with each attempt up to `cap`; the delay is the
    ceiling times a factor drawn from `spread` (by default between 0.5 and 1), so
    retries of many screens spread out. `rng` is passed in so that tests can fix it.
    """
    ceiling = min(cap, base * 2 ** min(max(0, attempt), MAX_DOUBLINGS))
    return ceiling * rng.uniform(*spread)


class Backoff:
    """Counts failures in a row and hands out the next delay; `reset()` after a success."""

    def __init__(self, base: float, cap: float, rng: random.Random | None = None) -> None:
        self.base, self.cap = base, cap
        self.failures = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        delay = backoff_delay(self.failures, base=self.base, cap=self.cap, rng=self._rng)
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0
