"""ISO-8601 times on the wire, one way at both ends: aware UTC written with a Z, read back."""

from __future__ import annotations

import datetime as dt

TIMESPECS = ("seconds", "milliseconds")
EXAMPLE = "2024-05-01T08:00:00Z"
MAX_LENGTH = 64  # far above any ISO time; a longer text is not one


def format_utc(moment: dt.datetime, *, timespec: str = "seconds") -> str:
    """`moment` as UTC ISO-8601 with a Z: `2024-05-01T08:00:00Z` (or `…:00.250Z`).

    A naive datetime is refused rather than guessed: its zone is unknown, and a time
    written an hour off is wrong evidence in a proof-of-play report.
    """
    if moment.tzinfo is None:
        raise ValueError(f"time {moment!r} has no timezone; pass an aware (UTC) datetime")
    if timespec not in TIMESPECS:
        raise ValueError(f"timespec must be one of {', '.join(TIMESPECS)}, got {timespec!r}")
    utc = moment.astimezone(dt.UTC)
    return utc.isoformat(timespec=timespec).replace("+00:00", "Z")


def parse_utc(text: object, what: str = "time") -> dt.datetime:
    """An ISO-8601 time with a Z or an offset as an aware UTC datetime.

    Reads what `format_utc` writes and what older writers wrote (`+00:00`, any offset).
    Raises ValueError naming `what` and the text when it is not such a time: a time
    without an offset is refused, since its zone is unknown.
    """
    if not isinstance(text, str) or not text or len(text) > MAX_LENGTH:
        raise ValueError(f"{what} must be an ISO time such as {EXAMPLE}, got {text!r:.80}")
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{what} {text!r} is not an ISO time such as {EXAMPLE}") from None
    if moment.tzinfo is None:
        raise ValueError(f"{what} {text!r} has no UTC offset; write it as {EXAMPLE}")
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:  # year 1 or 9999 pushed past the calendar by its offset
        raise ValueError(f"{what} {text!r} is out of range") from None
