"""A token bucket: how long to wait before the next request so a rate limit is never passed.

Pure: the caller passes the time (`now`, seconds on any monotonic scale), so tests drive it
with numbers. BMKG allows 60 requests a minute per address; the office asks for fewer.
"""

from __future__ import annotations

EPSILON = 1e-9  # a token refilled to 0.9999999999 after waiting exactly `delay` is whole


class TokenBucket:
    """`per_minute` requests a minute on average, at most `burst` back to back."""

    def __init__(self, per_minute: float, burst: int = 1, now: float = 0.0) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError(f"per_minute {per_minute} and burst {burst} must be positive")
        self.interval = 60.0 / per_minute  # seconds per token
        self.burst = burst
        self.tokens = float(burst)
        self.updated = now

    def _refill(self, now: float) -> None:
        if now > self.updated:  # a clock that went back adds nothing (and takes nothing)
            self.tokens = min(self.burst, self.tokens + (now - self.updated) / self.interval)
            self.updated = now

    def delay(self, now: float) -> float:
        """Seconds from `now` until a request may go (0: at once)."""
        self._refill(now)
        return 0.0 if self.tokens >= 1.0 - EPSILON else (1.0 - self.tokens) * self.interval

    def take(self, now: float) -> None:
        """Spend one token; ValueError when none is there (call `delay` and wait first)."""
        if self.delay(now) > 0:
            raise ValueError("rate limit: no request allowed yet; wait delay(now) seconds")
        self.tokens = max(0.0, self.tokens - 1.0)
