"""The one retry delay: doubling up to a cap, equal jitter, a random source passed in."""

from __future__ import annotations

import random

import pytest

from player.wire.backoff import Backoff, backoff_delay


def test_backoff_grows_with_jitter_and_resets():
    backoff = Backoff(1.0, 60.0)
    delays = [backoff.next_delay() for _ in range(10)]
    for n, delay in enumerate(delays):
        ceiling = min(60.0, 2.0**n)
        assert ceiling / 2 <= delay <= ceiling
    assert len({round(d, 6) for d in delays}) > 1
    backoff.reset()
    assert backoff.next_delay() <= 1.0


def test_the_same_random_source_gives_the_same_delays():
    first = [backoff_delay(n, base=10, cap=300, rng=random.Random(7)) for n in range(12)]
    again = [backoff_delay(n, base=10, cap=300, rng=random.Random(7)) for n in range(12)]
    assert first == again


@pytest.mark.parametrize("attempt", [0, 1, 5, 31, 10_000])
def test_weeks_of_failures_stay_at_the_cap(attempt):
    delay = backoff_delay(attempt, base=10.0, cap=300.0, rng=random.Random(attempt))
    assert (150.0 if attempt >= 5 else 0.0) <= delay <= min(300.0, 10.0 * 2 ** min(attempt, 30))


# The formulas this one replaced, as they were written, for the same random draw.
OLD = {
    "sync loop": lambda n, rng: min(300.0, 10.0 * 2 ** min(n, 30)) * rng.uniform(0.5, 1.0),
    "http request": lambda n, rng: rng.uniform(min(30.0, 2.0**n) / 2, min(30.0, 2.0**n)),
    "supervisor": lambda n, rng: (
        min(60.0, 2 ** min(n, 30)) / 2 + rng.uniform(0, min(60.0, 2 ** min(n, 30)) / 2)
    ),
    "mqtt": lambda n, rng: min(60.0, 1.0 * 2 ** min(n, 30)) * rng.uniform(0.5, 1.0),
    "cap watcher": lambda n, rng: (
        (max(60.0, min(60.0 * 2 ** min(n, 20), 900.0)) if n else 60.0) * rng.uniform(0.9, 1.1)
    ),
}
NEW = {
    "sync loop": {"base": 10.0, "cap": 300.0},
    "http request": {"base": 1.0, "cap": 30.0},
    "supervisor": {"base": 1.0, "cap": 60.0},
    "mqtt": {"base": 1.0, "cap": 60.0},
    "cap watcher": {"base": 60.0, "cap": 900.0, "spread": (0.9, 1.1)},
}


@pytest.mark.parametrize("where", sorted(OLD))
def test_the_delays_are_the_ones_each_place_had_before(where):
    for attempt in range(40):
        old = OLD[where](attempt, random.Random(attempt))
        new = backoff_delay(attempt, rng=random.Random(attempt), **NEW[where])
        assert new == pytest.approx(old, rel=1e-12), (where, attempt)
