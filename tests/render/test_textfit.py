"""Text fitting at the extremes: always fits the box, always readable, bounded work.

The fitting logic is pure; these tests measure with the real DejaVu font through pygame
(the SDL dummy driver) and count every measurement, so "bounded" is a count, not a time.
"""

from __future__ import annotations

import os

import pygame
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from player.render import textfit
from player.render.fonts import FontBook, fit_text

EMOJI_MARKS = ("\U0001f6a8\u0301\u0302" + "\U0001f468\u200d\U0001f469\u200d\U0001f467") * 125
URL = ("https://bpbd.example.go.id/peringatan?" + "q=banjir&" * 400)[:3000]
THAI = "ประกาศเตือนภัยน้ำท่วมฉับพลันให้ประชาชนอพยพไปยังที่ปลอดภัยทันที" * 60
CJK = "洪水警報住民は直ちに高台へ避難してください" * 120
MIXED = ("Banjir! " + "\U0001f30a\u0308" * 3 + "https://x.id/" + "a" * 200 + "น้ำท่วม洪水 ") * 5
WORDS = "Evakuasi warga ke posko terdekat segera, ikuti arahan petugas. " * 16
BOXES = [(288, 120), (1728, 740), (600, 80), (40, 400)]


@pytest.fixture(scope="module")
def book():
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pygame.font.init()
    return FontBook(None)


class Counted:
    """The real font's measurements, counted: calls and characters measured."""

    def __init__(self, book: FontBook, bold: bool = True) -> None:
        self.book, self.bold = book, bold
        self.calls = 0
        self.chars = 0

    def width(self, size: int, text: str) -> int:
        self.calls += 1
        self.chars += len(text)
        return self.book.font(size, bold=self.bold).size(text)[0]

    def line_height(self, size: int) -> int:
        return self.book.font(size, bold=self.bold).get_linesize()

    def fit(self, text: str, box: tuple[int, int], **kwargs) -> textfit.Fitted:
        return textfit.fit(text, box, width=self.width, line_height=self.line_height, **kwargs)


def assert_fits_and_readable(counted: Counted, fitted: textfit.Fitted, box, text: str) -> None:
    font = counted.book.font(fitted.size, bold=True)
    assert fitted.lines, "nothing to show"
    assert any(line.strip() for line in fitted.lines), fitted
    assert max(font.size(line)[0] for line in fitted.lines) <= box[0], fitted
    if len(fitted.lines) > 1:  # a single line may be taller than a tiny box: it is all we can do
        assert font.get_linesize() * len(fitted.lines) <= box[1], fitted
    assert fitted.size >= textfit.floor_size(box[1])
    shown = "".join("".join(line.split()) for line in fitted.lines)
    if fitted.cut:
        assert fitted.lines[-1].endswith(textfit.ELLIPSIS)
        assert len(shown) < len("".join(text.split())) + 1
    else:
        assert shown == "".join(text.split())  # nothing lost, nothing added


@pytest.mark.parametrize("box", BOXES, ids=lambda b: f"{b[0]}x{b[1]}")
@pytest.mark.parametrize(
    "text",
    [EMOJI_MARKS, URL, THAI, CJK, MIXED, WORDS],
    ids=["emoji+marks", "url", "thai", "cjk", "mixed", "words"],
)
def test_pathological_text_fits_is_readable_and_costs_little(book, text, box):
    counted = Counted(book)
    fitted = counted.fit(text, box)
    assert_fits_and_readable(counted, fitted, box, text)
    # Bounded: a dozen sizes tried, each measuring at most what the box can show (twice:
    # words, then whole lines), whatever the length of the text.
    assert counted.calls < 4000, counted.calls
    assert counted.chars < 60_000, counted.chars


def test_cost_does_not_grow_with_the_length_of_the_text(book):
    box = (1728, 740)
    costs = []
    for repeat in (1, 10, 100):
        counted = Counted(book)
        fitted = counted.fit("https://example.org/" + "x" * 3000 * repeat, box)
        assert fitted.cut and fitted.lines[-1].endswith(textfit.ELLIPSIS)
        costs.append(counted.chars)
    assert costs[2] <= costs[0] * 1.2, costs  # 300,000 characters cost what 3,000 do


def test_the_old_quadratic_wrap_is_gone(book):
    # One 3,000-character word: the old wrap re-measured a shrinking prefix per character
    # (millions of characters measured); by graphemes each distinct one is measured once.
    counted = Counted(book)
    counted.fit("x" * 3000, (288, 120))
    assert counted.calls < 1000 and counted.chars < 20_000, (counted.calls, counted.chars)


def old_fit(book: FontBook, text: str, box: tuple[int, int]) -> tuple[int, list[str]]:
    """The fitting this module replaced (whole-candidate measuring), for normal text only."""
    bw, bh = box
    best = (8, [])
    lo, hi = 8, bh
    while lo <= hi:
        mid = (lo + hi) // 2
        font = book.font(mid)
        lines, line = [], ""
        for word in text.split():
            candidate = f"{line} {word}" if line else word
            if font.size(candidate)[0] <= bw or not line:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
        w = max(font.size(x)[0] for x in lines)
        if w <= bw and font.get_linesize() * len(lines) <= bh:
            best, lo = (mid, lines), mid + 1
        else:
            hi = mid - 1
    return best


@pytest.mark.parametrize(
    ("text", "box"),
    [
        ("Selamat datang di Balai Kota", (600, 300)),
        ("Jadwal pelayanan KTP: Senin sampai Jumat, 08.00 - 15.00 WIB", (1728, 900)),
        ("Waspada DBD", (288, 150)),
    ],
)
def test_normal_text_keeps_its_look(book, text, box):
    counted = Counted(book, bold=False)
    fitted = counted.fit(text, box)
    assert not fitted.cut
    assert (fitted.size, list(fitted.lines)) == old_fit(book, text, box)
    font, lines = fit_text(book, text, box)
    assert lines == list(fitted.lines) and font is book.font(fitted.size)


def test_a_box_too_small_for_one_line_still_shows_an_ellipsis(book):
    counted = Counted(book)
    fitted = counted.fit(URL, (30, 4))
    assert fitted.cut and fitted.lines == (fitted.lines[0],)
    assert fitted.lines[0].endswith(textfit.ELLIPSIS)


def test_graphemes_keep_marks_joiners_and_flags_together():
    assert list(textfit.graphemes("e\u0301a")) == ["e\u0301", "a"]
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert list(textfit.graphemes(family + "!")) == [family, "!"]
    assert list(textfit.graphemes("\U0001f1ee\U0001f1e9\U0001f1ef\U0001f1f5")) == [
        "\U0001f1ee\U0001f1e9",
        "\U0001f1ef\U0001f1f5",
    ]
    assert list(textfit.graphemes("น้ำ")) == ["น้", "ำ"]
    zalgo = "a" + "\u0301" * 500
    assert list(textfit.graphemes(zalgo)) == ["a" + "\u0301" * textfit.MAX_MARKS]


def test_clip_cuts_by_graphemes_with_an_ellipsis():
    assert textfit.clip("short", 10) == "short"
    assert textfit.clip("e\u0301" * 20, 5) == "e\u0301" * 4 + textfit.ELLIPSIS


# Any text up to twice the protocol's alert limit, mixing scripts, marks, joiners, emoji
# and white space, in boxes from a ticker-thin strip to a 4K screen.
TEXTS = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(" \n\u200d\u0301\u0e49\ufe0f\U0001f468\U0001f1ee\u6d2a"),
    ),
    max_size=2000,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXTS, w=st.integers(20, 3840), h=st.integers(8, 2160))
def test_any_text_in_any_box_fits_readably_at_bounded_cost(book, text, w, h):
    counted = Counted(book)
    fitted = counted.fit(text, (w, h))
    font = book.font(fitted.size, bold=True)
    if text.strip():
        assert any(line.strip() for line in fitted.lines), fitted
        assert not fitted.cut or fitted.lines[-1].endswith(textfit.ELLIPSIS)
    assert all(font.size(line)[0] <= w for line in fitted.lines if len(line) > 1), fitted
    assert len(fitted.lines) == 1 or font.get_linesize() * len(fitted.lines) <= h
    assert counted.calls < 6000 and counted.chars < 120_000, (counted.calls, counted.chars)


def test_zero_width_characters_cannot_make_unbounded_lines(book):
    counted = Counted(book)
    fitted = counted.fit("\u200b" * 200_000 + "x", (288, 120))
    assert fitted.lines
    assert counted.calls < 4000 and sum(len(line) for line in fitted.lines) < 288 * 30
