"""The alert card on real pygame surfaces: pages above the floor, Indonesian titles, caps."""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import Future
from dataclasses import replace
from zoneinfo import ZoneInfo

import pygame
import pytest

from player.render import alertcard
from player.render.alertcard import Frame, layout_card
from player.render.fonts import FontBook
from player.render.layout import geometry
from player.render.slides import AlertVisual
from player.wire.alert import Alert

ISSUED = dt.datetime(2026, 12, 7, 7, 20, tzinfo=dt.UTC)  # 14:20 WIB
# A BMKG nowcast as it comes: the kecamatan of three regencies in one description.
DESCRIPTION = (
    "Hujan sedang hingga lebat yang dapat disertai kilat/petir dan angin kencang pada pukul "
    "14.20 WIB di Kota Bogor: Bogor Barat, Bogor Selatan, Bogor Tengah, Bogor Timur, Bogor "
    "Utara, Tanah Sareal; Kab. Bogor: Babakan Madang, Caringin, Ciawi, Cibinong, Cigombong, "
    "Cijeruk, Cisarua, Citeureup, Dramaga, Gunung Putri, Megamendung, Sukaraja, Tamansari; "
    "Kota Depok: Beji, Cimanggis, Cinere, Limo, Sawangan, Sukmajaya; dan dapat meluas ke Kab. "
    "Sukabumi: Cicurug, Parungkuda, Cidahu. Kondisi ini diperkirakan masih berlangsung "
    "hingga pukul 17.00 WIB."
)
WARNING = Alert(
    id="cap-0123456789abcdef",
    text="(the whole text, for players before the parts)",
    expires_at=ISSUED + dt.timedelta(hours=3),
    issued_at=ISSUED,
    level="emergency",
    group="bogor",
    headline="Peringatan Dini Cuaca Jawa Barat",
    description=DESCRIPTION,
    instruction="Hindari berteduh di bawah pohon dan baliho. Waspadai banjir dan tanah "
    "longsor di lereng dan tepi sungai.",
    sender="BMKG",
    area="Kota Bogor, Kab. Bogor, Kota Depok",
    valid_until=ISSUED + dt.timedelta(hours=2, minutes=40),
)
SHORT = Alert(id="sos", text="SOS", expires_at=ISSUED + dt.timedelta(hours=1), level="warning")
OUTPUTS = [(384, 192), (768, 384), (1920, 1080)]
JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture(scope="module")
def book():
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pygame.font.init()
    return FontBook(None)


def content_size(output: tuple[int, int], rotation: int) -> tuple[int, int]:
    """The content surface the render pipeline draws into for this output and rotation."""
    return geometry(output, None, rotation).content_size


def ink(surface: pygame.Surface, rect: pygame.Rect, background) -> pygame.Rect:
    """The bounding box of pixels in `rect` that are not the background (the glyphs)."""
    part = surface.subsurface(rect.clip(surface.get_rect())).copy()
    part.set_colorkey(background)
    box = pygame.mask.from_surface(part).get_bounding_rects()
    if not box:
        return pygame.Rect(rect.x, rect.y, 0, 0)
    found = box[0].unionall(box[1:])
    return found.move(rect.x, rect.y)


def words(text: str) -> list[str]:
    return text.split()


@pytest.mark.parametrize("rotation", [0, 90])
@pytest.mark.parametrize("output", OUTPUTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_long_warning_is_paged_with_every_line_above_the_floor(book, output, rotation, tmp_path):
    size = content_size(output, rotation)
    assert len(WARNING.headline + WARNING.description + WARNING.instruction + WARNING.area) >= 700
    card = layout_card(book, WARNING, size, tz=JAKARTA)
    short = min(size)
    assert card.floor >= alertcard.FLOOR * short
    assert len(card.pages) > 1
    body_words = []
    for number, page in enumerate(card.pages):
        frame = Frame(number, 0)
        surface = card.render(frame)
        pygame.image.save(surface, tmp_path / f"page-{number + 1}.png")
        title = " ".join(line.text for line in card.titles[0])
        assert title == "DARURAT"
        assert page.label is not None and page.label.text == f"{number + 1}/{len(card.pages)}"
        assert " ".join(line.text for line in card.footers[0]) == (
            "BMKG \u00b7 berlaku sampai 17:00 WIB"
        )
        drawn = ink(surface, card.area, card.background)
        allowed = [line.rect for line in page.lines] + list(page.bars)
        for line in card.lines(frame):
            # The text box as rendered, not the size asked for, and the glyphs within it.
            assert line.rect.h >= card.floor, (line.role, line.text, line.rect)
            assert surface.get_rect().contains(line.rect), (line.text, line.rect)
            glyphs = ink(surface, line.rect, line.surface.get_at((0, 0))[:3])
            if any(c.isupper() for c in line.text):
                assert glyphs.h >= 0.6 * card.floor, (line.text, glyphs)
        for line in page.lines:
            assert card.area.contains(line.rect), f"page {number + 1} overflows: {line.text!r}"
            body_words += words(line.text)
        # Nothing is drawn in the body area that is not one of the page's lines or bars.
        if drawn.w:
            assert drawn.collidelist(allowed) >= 0
            assert pygame.Rect(allowed[0]).unionall(allowed[1:]).contains(drawn)
        assert page.seconds >= alertcard.MIN_PAGE_SECONDS
        assert page.seconds >= len(words(" ".join(x.text for x in page.lines))) / 2.0
    expected = words(f"{WARNING.headline} {WARNING.area} {DESCRIPTION} {WARNING.instruction}")
    assert body_words == expected  # every word shown, in order, none cut


@pytest.mark.parametrize("output", OUTPUTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_an_exercise_says_latihan_in_its_title(book, output):
    for status, mark in (("exercise", "LATIHAN"), ("test", "UJI")):
        card = layout_card(book, replace(WARNING, status=status), output)
        title = " ".join(line.text for line in card.titles[0])
        assert title.startswith(mark) and title.endswith("DARURAT"), title
        assert all(line.rect.h >= card.floor for line in card.titles[0])


@pytest.mark.parametrize("rotation", [0, 90])
@pytest.mark.parametrize("output", [*OUTPUTS, (1280, 720)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_three_letter_alert_stays_under_the_headline_cap(book, output, rotation):
    size = content_size(output, rotation)
    card = layout_card(book, SHORT, size)
    assert len(card.pages) == 1 and card.pages[0].label is None
    (line,) = card.pages[0].lines
    assert line.text == "SOS" and line.role == "headline"
    cap = alertcard.HEADLINE_CAP * min(size)
    title = card.titles[0][0]
    assert card.floor <= line.rect.h <= cap + 2, (line.rect, cap)
    assert line.rect.h <= title.rect.h  # never dwarfs its title
    assert title.text == "PERINGATAN"


def test_pages_turn_with_now_and_the_title_alternates_in_both_languages(book):
    card = layout_card(book, WARNING, (768, 384), language="both")
    assert card.languages == ("id", "en")
    assert [line.text for line in card.titles[1]] == ["EMERGENCY"]
    assert "valid until 17:00 WIB" in card.footers[1][0].text
    first = card.pages[0].seconds
    assert card.frame_at(0.0) == Frame(0, 0)
    assert card.frame_at(alertcard.LANGUAGE_SECONDS).language == 1
    assert card.frame_at(first).page == 1
    cycle = sum(page.seconds for page in card.pages)
    assert card.frame_at(cycle + 0.1).page == 0  # round again
    assert card.next_change(0.0) == min(first, alertcard.LANGUAGE_SECONDS)

    done: Future = Future()
    done.set_result(card)
    visual = AlertVisual("alert:x", done)
    target = pygame.Surface((768, 384))
    visual.start(1000.0)
    assert visual.draw(target, 1000.0, False)
    assert not visual.draw(target, 1000.5, False)  # same frame: nothing redrawn
    assert visual.next_change(1000.0) == 1000.0 + card.next_change(0.0)
    assert visual.draw(target, 1000.0 + first + 0.01, False)
    assert visual.frame_id().startswith("alert:x@2/")
    # Proof of play: the pages that have come on screen, by the time on screen.
    pages = len(card.pages)
    assert pages > 1
    assert visual.pages_shown(1000.0) == (pages, 1)
    assert visual.pages_shown(1000.0 + first + 0.01) == (pages, 2)
    assert visual.pages_shown(1000.0 + cycle + 0.01) == (pages, pages)
    assert visual.pages_shown(1000.0 + 5 * cycle) == (pages, pages)


def test_time_zones_and_days_in_the_footer(book):
    makassar = ZoneInfo("Asia/Makassar")
    assert alertcard.until_text(WARNING, makassar, "id") == "berlaku sampai 18:00 WITA"
    late = replace(WARNING, valid_until=ISSUED + dt.timedelta(hours=20))
    assert alertcard.until_text(late, JAKARTA, "id") == "berlaku sampai 8 Des 10:20 WIB"
    assert alertcard.until_text(replace(WARNING, valid_until=None), JAKARTA, "id") == ""


def test_a_text_only_alert_still_shows_its_text(book):
    old = Alert(id="old", text=DESCRIPTION, expires_at=ISSUED + dt.timedelta(hours=1))
    card = layout_card(book, old, (1280, 720))
    shown = [w for page in card.pages for line in page.lines for w in words(line.text)]
    assert shown == words(DESCRIPTION)
    assert card.footers[0] == ()  # no source, no validity: nothing invented


def test_the_card_needs_only_pygame_the_standard_library_and_the_pure_text_modules():
    """The office draws its preview with this module, headless: it may not grow into player/."""
    import ast
    import sys
    from pathlib import Path

    allowed = {"pygame", "player.wire", "player.render.fonts", "player.render.textfit"}
    for module in ("alertcard", "fonts", "textfit"):
        tree = ast.parse(Path(f"player/render/{module}.py").read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "__future__":
                    continue
                assert any(name == a or name.startswith(a + ".") for a in allowed) or name in (
                    "player.render.textfit",
                    "player.render.fonts.FontBook",
                ), f"player/render/{module}.py imports {name}"
