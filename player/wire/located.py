"""Config values with their YAML positions, and the error type value parsers raise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Located:
    """A YAML value and the 1-based line/column where it starts.

    Mappings hold `dict[str, Located]` and lists `list[Located]`. `text` is a scalar's source
    text, so `0012` or `22:00` reach text settings unmangled by YAML 1.1 number rules.
    `key_line`/`key_col` locate the mapping key that introduced the value.
    """

    value: Any
    line: int
    col: int
    text: str | None = None
    key_line: int = 0
    key_col: int = 0

    def key_position(self) -> Located:
        return Located(None, self.key_line or self.line, self.key_col or self.col)


class Invalid(Exception):
    """A bad value; each item is (message, where or None for the value itself, key suffix)."""

    def __init__(self, message: str, at: Located | None = None, suffix: str = "") -> None:
        super().__init__(message)
        self.items: list[tuple[str, Located | None, str]] = [(message, at, suffix)]

    @classmethod
    def joined(cls, errors: list[Invalid], suffix: str = "") -> Invalid:
        out = cls("")
        out.items = [
            (msg, at, ".".join(p for p in (suffix, sub) if p))
            for e in errors
            for msg, at, sub in e.items
        ]
        return out


@dataclass(frozen=True)
class Context:
    """What parsers need from outside: where relative paths start and how to read a file."""

    base_dir: Path
    read_head: Callable[[Path, int], bytes]  # first n bytes of a file; raises OSError


Parser = Callable[[Located, Context], Any]


def shown(v: Located) -> str:
    """How a value is named in an error message."""
    if v.value is None:
        return "an empty value"
    if isinstance(v.value, dict):
        return "a mapping (indented keys)"
    if isinstance(v.value, list):
        return "a list"
    return repr(v.text if v.text is not None else v.value)
