"""Where a manifest's problems go: all kept for the publisher, refused or skipped by a player."""

from __future__ import annotations

from player.wire import fields
from player.wire.manifest import ManifestError


class Checks:
    """Where a problem goes: the publisher (strict) collects every one to report them all;
    the player refuses the manifest at the first, except for items, which it skips."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.problems: list[ManifestError] = []
        self.skipped: list[ManifestError] = []

    def refuse(self, exc: ManifestError) -> None:
        # Refusing keeps the last good manifest on screen, which is never worse than a
        # manifest whose structure (a playlist, its rules, the media list) is not understood.
        if not self.strict:
            raise exc
        self.problems.extend(fields.each(exc))

    def skip(self, exc: ManifestError) -> None:
        # One item the player cannot handle (too long, dated in year 9999, a bad style)
        # says nothing about the others: they are what the office meant to show.
        if self.strict:
            self.problems.extend(fields.each(exc))
        else:
            self.skipped.extend(fields.each(exc))
