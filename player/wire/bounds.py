"""What the office can store of one wire value: a number's range, a text's length."""

from __future__ import annotations

from dataclasses import dataclass

INT64_MAX = 2**63 - 1  # BIGINT on PostgreSQL, INTEGER on SQLite: nothing wider fits
INT32_MAX = 2**31 - 1  # INTEGER on PostgreSQL


@dataclass(frozen=True)
class Bound:
    """A number within `low`..`high` (finite), or a text of at most `length` characters.

    The shapes (`status.py`, `proofofplay.py`) declare one per stored field, by its path
    in the message (`errors[].count`: `count` of each item of the list `errors`); the
    collector's store refuses a message with a number out of its bound and cuts longer text.
    """

    low: float | None = None
    high: float | None = None
    length: int | None = None

    def describe(self) -> str:
        """The bound in words, for the log line that refuses a value."""
        if self.length is not None:
            return f"at most {self.length} characters"
        return f"a finite number from {self.low} to {self.high}"
