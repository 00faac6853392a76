"""Pure geometry: output region, rotation, fit and the zones of the content surface."""

from __future__ import annotations

from dataclasses import dataclass

from player.config.model import Region

ROTATIONS = (0, 90, 180, 270)
FITS = ("contain", "cover", "stretch")
CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    @property
    def size(self) -> tuple[int, int]:
        return (self.w, self.h)

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def astuple(self) -> tuple[int, int, int, int]:
        return (self.x, self.y, self.w, self.h)

    def offset(self, dx: int, dy: int) -> Rect:
        return Rect(self.x + dx, self.y + dy, self.w, self.h)

    def contains(self, x: int, y: int) -> bool:
        return self.x <= x < self.right and self.y <= y < self.bottom


@dataclass(frozen=True)
class Geometry:
    """Where content goes on the output: the region, and the content size seen by viewers."""

    output: tuple[int, int]
    region: Rect
    rotation: int

    @property
    def content_size(self) -> tuple[int, int]:
        if self.rotation in (90, 270):
            return (self.region.h, self.region.w)
        return (self.region.w, self.region.h)


def geometry(output: tuple[int, int], region: Region | None, rotation: int) -> Geometry:
    """Validate region and rotation against the output size.

    Raises ValueError naming the key and what to change, so a bad config is reported
    clearly instead of drawing outside the screen.
    """
    out_w, out_h = output
    if rotation not in ROTATIONS:
        raise ValueError(f"display.rotation: {rotation} is not one of 0, 90, 180, 270")
    if region is None:
        rect = Rect(0, 0, out_w, out_h)
    else:
        rect = Rect(region.x, region.y, region.w, region.h)
        if rect.w <= 0 or rect.h <= 0:
            raise ValueError(f"display.region: width and height must be positive, got {rect}")
        if rect.x < 0 or rect.y < 0 or rect.right > out_w or rect.bottom > out_h:
            raise ValueError(
                f"display.region: {rect.w}x{rect.h}+{rect.x}+{rect.y} does not fit in the "
                f"{out_w}x{out_h} output; make it smaller or set display.size"
            )
    return Geometry(output=(out_w, out_h), region=rect, rotation=rotation)


def rotate_rect(rect: Rect, content_size: tuple[int, int], rotation: int) -> Rect:
    """Where a rectangle of the content lands after turning the content clockwise."""
    cw, ch = content_size
    if rotation == 0:
        return rect
    if rotation == 90:
        return Rect(ch - rect.y - rect.h, rect.x, rect.h, rect.w)
    if rotation == 180:
        return Rect(cw - rect.x - rect.w, ch - rect.y - rect.h, rect.w, rect.h)
    if rotation == 270:
        return Rect(rect.y, cw - rect.x - rect.w, rect.h, rect.w)
    raise ValueError(f"rotation {rotation} is not one of 0, 90, 180, 270")


def fit_rect(src: tuple[int, int], zone: tuple[int, int], fit: str) -> tuple[tuple[int, int], Rect]:
    """Scale `src` into `zone`: returns (scaled size, where the scaled picture goes).

    For `cover` the placement extends past the zone (negative offsets) and is cropped.
    """
    sw, sh = max(1, src[0]), max(1, src[1])
    zw, zh = zone
    if fit == "stretch":
        return (zw, zh), Rect(0, 0, zw, zh)
    if fit not in ("contain", "cover"):
        raise ValueError(f"fit {fit!r} is not one of {', '.join(FITS)}")
    scale_w, scale_h = zw / sw, zh / sh
    scale = min(scale_w, scale_h) if fit == "contain" else max(scale_w, scale_h)
    w = max(1, round(sw * scale))
    h = max(1, round(sh * scale))
    # Snap to the zone when rounding left a 1 px sliver of background.
    if fit == "contain":
        w = zw if abs(w - zw) <= 1 else w
        h = zh if abs(h - zh) <= 1 else h
    else:
        w = max(w, zw)
        h = max(h, zh)
    return (w, h), Rect((zw - w) // 2, (zh - h) // 2, w, h)


def crop_box(placement: Rect, zone: tuple[int, int]) -> tuple[Rect, Rect]:
    """The visible part of a placed picture: (source rect in the picture, target in zone)."""
    zw, zh = zone
    x0, y0 = max(0, placement.x), max(0, placement.y)
    x1, y1 = min(zw, placement.right), min(zh, placement.bottom)
    target = Rect(x0, y0, max(0, x1 - x0), max(0, y1 - y0))
    source = Rect(x0 - placement.x, y0 - placement.y, target.w, target.h)
    return source, target


@dataclass(frozen=True)
class Zones:
    """The content surface split into the main zone, the ticker bar and the clock box."""

    content: Rect
    main: Rect
    ticker: Rect | None
    clock: Rect | None


def zones(
    content_size: tuple[int, int],
    *,
    ticker_height: float | None = None,
    ticker_position: str = "bottom",
    clock_size: float | None = None,
    clock_position: str = "top-right",
    clock_width_chars: int = 5,
) -> Zones:
    """Split the content: the ticker takes a strip; the clock sits in a main-zone corner."""
    cw, ch = content_size
    content = Rect(0, 0, cw, ch)
    main = content
    ticker = None
    if ticker_height:
        bar_h = max(8, min(ch // 2, round(ch * ticker_height)))
        if ticker_position == "top":
            ticker = Rect(0, 0, cw, bar_h)
            main = Rect(0, bar_h, cw, ch - bar_h)
        else:
            ticker = Rect(0, ch - bar_h, cw, bar_h)
            main = Rect(0, 0, cw, ch - bar_h)
    clock = None
    if clock_size:
        box_h = max(8, min(main.h // 2, round(ch * clock_size)))
        # Digits of DejaVu Sans are about 0.64 em wide; a margin each side keeps it off the edge.
        box_w = min(main.w // 2, round(box_h * 0.64 * clock_width_chars + box_h * 0.5))
        margin = max(2, box_h // 4)
        position = clock_position if clock_position in CORNERS else "top-right"
        x = main.x + margin if position.endswith("left") else main.right - margin - box_w
        y = main.y + margin if position.startswith("top") else main.bottom - margin - box_h
        clock = Rect(x, y, box_w, box_h)
    return Zones(content=content, main=main, ticker=ticker, clock=clock)
