"""A secret setting (a password, a token, a database URL with a password) that masks itself."""

from __future__ import annotations

MASK = "********"


class Secret:
    """A text that shows as ******** in repr, str, f-strings and logs; `reveal()` gives it.

    Configs are printed in tracebacks, logged when they change and compared on reload: the
    value leaves only where the code that needs it asks for it by name.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return format(MASK, spec)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self):  # pickling would write the value out: refuse it
        raise TypeError("a Secret is not pickled; pass secret.reveal() where it is needed")


def reveal(value: Secret | str | None) -> str | None:
    """The text of a secret setting (or None when it is not set)."""
    return value.reveal() if isinstance(value, Secret) else value
