"""Report values checked against the bounds their shapes declare, before the store writes them."""

from __future__ import annotations

import math

from player.wire.bounds import INT32_MAX, Bound

# The screenshot message has no shape in player.wire (only the player writes it): its bounds.
SCREENSHOT_BOUNDS = {
    "item": Bound(length=256),
    "playlist": Bound(length=256),
    "width": Bound(low=1, high=INT32_MAX),
    "height": Bound(low=1, high=INT32_MAX),
}


class Refused(ValueError):
    """A report's value the database cannot store: `field` is its path in the message."""

    def __init__(self, field: str, value: object, bound: Bound) -> None:
        self.field = field
        super().__init__(f"{field} = {value!r:.80} is out of bounds ({bound.describe()})")


def bounded_text(value: object, bound: Bound) -> str | None:
    """`value` as text a column takes: cut to the bound, without NUL (PostgreSQL refuses it)
    and with lone surrogates (valid JSON, invalid UTF-8) replaced."""
    if value is None:
        return None
    cleaned = str(value).replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return cleaned[: bound.length]


def check(field: str, value: object, bound: Bound) -> None:
    """Refused when `value` is a number out of `bound`; other types are judged where read."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    if not (math.isfinite(value) and bound.low <= value <= bound.high):
        raise Refused(field, value, bound)


def check_all(message: dict, bounds: dict[str, Bound]) -> None:
    """Every number `bounds` declares, at its path in `message` (`errors[].count` too)."""
    for path, bound in bounds.items():
        if bound.length is not None:
            continue
        head, _, tail = path.partition("[].")
        if not tail:
            where: object = message
            for part in path.split("."):
                where = where.get(part) if isinstance(where, dict) else None
            check(path, where, bound)
            continue
        items = message.get(head)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict):
                check(f"{head}[{index}].{tail}", item.get(tail), bound)
