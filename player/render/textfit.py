"""Pure text fitting: lines, the largest size that fits, a floor, an ellipsis; bounded work.

No pygame here: the caller passes how wide a string is at a size and how tall a line is,
so tests can count every measurement. The work is bounded by what the box can show,
not by the length of the text: wrapping at a size stops as soon as the lines overflow
the box, each word is measured once per size, a word wider than the box is broken
between graphemes (so a URL or unspaced Thai/CJK still wraps), and the size search is
a binary search between a floor and the box height. Text that does not fit at the
floor is cut after the last line that fits and ends with an ellipsis.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

ELLIPSIS = "\u2026"
MIN_SIZE = 8  # pixels: below this no font is legible at all
FLOOR_LINES = 24  # the floor size is the one at which this many lines fill the box
MAX_MARKS = 8  # combining marks kept on one character; stacks beyond are dropped
LONG_WORD = 64  # characters: a longer word is broken by graphemes without measuring it whole
ZWJ = "\u200d"

Width = Callable[[int, str], int]  # (size, text) -> pixels wide
LineHeight = Callable[[int], int]  # size -> pixels from one line to the next


@dataclass(frozen=True)
class Fitted:
    """Lines to draw at `size`; `cut` when the text did not fit and ends in an ellipsis."""

    size: int
    lines: tuple[str, ...]
    cut: bool = False


def _extends(char: str, previous: str) -> bool:
    """Whether `char` belongs to the grapheme that `previous` (its predecessor) is in."""
    if ZWJ in (previous, char):
        return True
    code = ord(char)
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:  # variation selectors
        return True
    if 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:  # skin tones, emoji tags
        return True
    return unicodedata.category(char) in ("Mn", "Me", "Mc")


def graphemes(text: str) -> Iterator[str]:
    """User-perceived characters, approximately (UAX #29 without the tables), lazily.

    A base character keeps its combining marks, joiners, variation selectors and
    skin tones; pairs of regional indicators (flags) stay together. At most MAX_MARKS
    marks stay on one character, so a "zalgo" stack cannot cover the lines around it.
    """
    cluster = ""
    marks = 0
    previous = ""
    flag_open = False
    for char in text:
        regional = 0x1F1E6 <= ord(char) <= 0x1F1FF
        if cluster and (_extends(char, previous) or (regional and flag_open)):
            flag_open = False
            if marks < MAX_MARKS:
                cluster += char
            marks += 1
        else:
            if cluster:
                yield cluster
            cluster, marks = char, 0
            flag_open = regional
        previous = char
    if cluster:
        yield cluster


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` graphemes, ending with an ellipsis when cut."""
    kept: list[str] = []
    for index, cluster in enumerate(graphemes(text)):
        if index >= limit:
            return "".join(kept[: max(0, limit - 1)]).rstrip() + ELLIPSIS
        kept.append(cluster)
    return "".join(kept)


def floor_size(box_height: int, max_size: int | None = None) -> int:
    """The smallest size text is shrunk to before it is cut instead."""
    floor = max(MIN_SIZE, box_height // FLOOR_LINES)
    return min(floor, max(MIN_SIZE, max_size)) if max_size is not None else floor


class _Sized:
    """Measurements at one size, each distinct word or grapheme measured once."""

    def __init__(self, width: Width, size: int) -> None:
        self.size = size
        self._width = width
        self._cache: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        found = self._cache.get(text)
        if found is None:
            found = self._width(self.size, text)
            self._cache[text] = found
        return found


def _advance(cluster: str, measure: _Sized) -> int:
    # At least a pixel each: a run of zero-width characters (U+200B...) cannot make a
    # line of unbounded length, and so unbounded work.
    return max(1, measure(cluster))


def _break_word(word: str, room: int, measure: _Sized, limit: int) -> list[str]:
    """`word` broken between graphemes into pieces at most `room` wide (at most `limit`)."""
    pieces: list[str] = []
    piece, used = "", 0
    for cluster in graphemes(word):
        w = _advance(cluster, measure)
        if piece and used + w > room:
            pieces.append(piece)
            if len(pieces) >= limit:
                return pieces
            piece, used = "", 0
        piece += cluster
        used += w
    if piece:
        pieces.append(piece)
    return pieces


def _width_upto(word: str, room: int, measure: _Sized) -> int:
    """The width of a long word by its graphemes, or room + 1 as soon as it is wider."""
    used = 0
    for cluster in graphemes(word):
        used += _advance(cluster, measure)
        if used > room:
            return room + 1
    return used


def wrap(
    text: str, room: int, measure: _Sized, max_lines: int, *, breaking: bool = True
) -> tuple[list[str], bool]:
    """Greedy wrap into lines at most `room` wide; stops after `max_lines` + 1 lines.

    Returns (lines, complete): complete is False when the text needs more than
    `max_lines` lines (then only the first max_lines + 1 are made), or when a word is
    wider than `room` and `breaking` is off.
    """
    lines: list[str] = []
    space = measure(" ")
    limit = max_lines + 1
    for paragraph in text.replace("\r\n", "\n").split("\n"):
        line, used = "", 0
        for word in paragraph.split():
            w = measure(word) if len(word) <= LONG_WORD else _width_upto(word, room, measure)
            if line and used + space + w <= room:
                line, used = f"{line} {word}", used + space + w
                continue
            if not line and w <= room:
                line, used = word, w
                continue
            if line:
                lines.append(line)
                if len(lines) >= limit:
                    return lines, False
            if w <= room:
                line, used = word, w
                continue
            if not breaking:
                return lines, False
            pieces = _break_word(word, room, measure, limit - len(lines) + 1)
            lines.extend(pieces[:-1])
            if len(lines) >= limit:
                return lines[:limit], False
            line = pieces[-1] if pieces else ""
            used = sum(_advance(c, measure) for c in graphemes(line))
        lines.append(line)
        if len(lines) >= limit:
            return lines, len(lines) <= max_lines
    # Trailing blank lines take room but show nothing.
    while len(lines) > 1 and not lines[-1]:
        lines.pop()
    return lines, len(lines) <= max_lines


def _ellipsize(line: str, room: int, measure: _Sized) -> str:
    """`line` shortened by graphemes until it and an ellipsis fit in `room`."""
    budget = room - measure(ELLIPSIS)
    kept, used = [], 0
    for cluster in graphemes(line):
        w = _advance(cluster, measure)
        if used + w > budget:
            break
        kept.append(cluster)
        used += w
    return "".join(kept).rstrip() + ELLIPSIS


def fit(
    text: str,
    box: tuple[int, int],
    *,
    width: Width,
    line_height: LineHeight,
    max_size: int | None = None,
    min_size: int | None = None,
) -> Fitted:
    """The largest size (binary search) at which `text` wraps into `box`.

    When it does not fit even at the floor (`min_size`, default `floor_size`), the
    floor is used and the text is cut after the last line that fits, ending with an
    ellipsis. Never returns no lines for non-blank text.
    """
    room, height = max(1, box[0]), max(1, box[1])
    floor = min_size if min_size is not None else floor_size(height, max_size)
    high = max(floor, min(max_size or height, height))

    def attempt(size: int, breaking: bool = True) -> tuple[list[str], bool, _Sized, int]:
        measure = _Sized(width, size)
        max_lines = max(1, height // max(1, line_height(size)))
        lines, complete = wrap(text, room, measure, max_lines, breaking=breaking)
        fits = complete and all(measure(line) <= room for line in lines)
        return lines, fits, measure, max_lines

    # Words stay whole if any size allows it; only then are they broken between graphemes.
    for breaking in (False, True):
        best: Fitted | None = None
        low, top = floor, high
        while low <= top:
            mid = (low + top) // 2
            lines, fits, _, _ = attempt(mid, breaking)
            if fits:
                best = Fitted(mid, tuple(lines))
                low = mid + 1
            else:
                top = mid - 1
        if best is not None:
            return best
    lines, _, measure, max_lines = attempt(floor)
    shown = lines[:max_lines]
    cut = len(lines) > max_lines
    # Kerning can make a whole line a little wider than its words added up: cut it too.
    shown = [line if measure(line) <= room else _ellipsize(line, room, measure) for line in shown]
    if cut:
        shown[-1] = _ellipsize(shown[-1], room, measure)
    if not any(line.strip() for line in shown):
        shown = [_ellipsize(text.strip(), room, measure)]
        cut = True
    return Fitted(floor, tuple(shown), cut=cut)
