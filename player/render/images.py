"""Decode still images with Pillow (SDL_image for zone-sized JPEGs), off the main thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pygame
from PIL import Image, ImageOps

from player.render.layout import crop_box, fit_rect

log = logging.getLogger(__name__)

EXIF_ORIENTATION = 0x0112
SWAPPED_ORIENTATIONS = (5, 6, 7, 8)
ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
JPEG_END = b"\xff\xd9"  # EOI, the marker a whole JPEG ends with


class ImageDecodeError(Exception):
    """An image file that cannot be decoded; the message says which file and why."""


@dataclass(frozen=True)
class DecodedImage:
    """RGB pixels of exactly the zone's size, background already around/under the picture."""

    size: tuple[int, int]
    rgb: bytes
    source_size: tuple[int, int]


def _orientation(image: Image.Image) -> int:
    try:
        return image.getexif().get(EXIF_ORIENTATION, 1)
    except Exception:  # broken EXIF must not hide the picture itself
        return 1


def _oriented_size(image: Image.Image) -> tuple[int, int]:
    w, h = image.size
    return (h, w) if _orientation(image) in SWAPPED_ORIENTATIONS else (w, h)


def _to_rgb(image: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    has_alpha = image.mode in ALPHA_MODES or (image.mode == "P" and "transparency" in image.info)
    if has_alpha:
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, background)
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greys: scale to 8 bits instead of clipping everything to white.
        return image.point(lambda v: v / 256).convert("L").convert("RGB")
    if image.mode != "RGB":
        return image.convert("RGB")
    return image


def decode_image(
    path: Path, zone: tuple[int, int], fit: str, background: tuple[int, int, int]
) -> DecodedImage:
    """Decode `path` and place it in a zone-sized RGB canvas per `fit`.

    Very large JPEGs are decoded at a reduced scale (draft) and others reduced by an
    integer factor before the final resample, so a 50 MP poster does not take seconds.
    """
    zw, zh = zone
    try:
        with Image.open(path) as opened:
            source_size = _oriented_size(opened)
            scaled, placement = fit_rect(source_size, zone, fit)
            if opened.format == "JPEG":
                w, h = scaled
                if opened.size != source_size:
                    w, h = h, w
                opened.draft("RGB", (max(1, w), max(1, h)))
            opened.load()
            image = _to_rgb(ImageOps.exif_transpose(opened) or opened, background)
            if image.size != scaled:
                image = image.resize(scaled, Image.Resampling.LANCZOS, reducing_gap=3.0)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageDecodeError(f"{path}: cannot decode image: {exc}") from exc
    source, target = crop_box(placement, zone)
    if source.size != image.size:
        image = image.crop((source.x, source.y, source.right, source.bottom))
    if target.size == (zw, zh):
        return DecodedImage(size=zone, rgb=image.tobytes(), source_size=source_size)
    canvas = Image.new("RGB", zone, background)
    canvas.paste(image, (target.x, target.y))
    return DecodedImage(size=zone, rgb=canvas.tobytes(), source_size=source_size)


def _is_zone_sized_jpeg(path: Path, zone: tuple[int, int]) -> bool:
    """A plain RGB JPEG of exactly the zone's size, upright and whole: nothing to place.

    Such a poster (the usual one, made for the screen) SDL_image decodes straight into a
    surface at less than half Pillow's cost (decode, then two copies of the pixels); the
    first frame after a power cut waits for it (issue 32). The end-of-image marker is
    checked because libjpeg fills a cut file with grey where Pillow refuses it.
    """
    try:
        with Image.open(path) as opened:
            plain = (
                opened.format == "JPEG"
                and opened.mode == "RGB"
                and opened.size == zone
                and _orientation(opened) == 1
            )
        if not plain:
            return False
        with path.open("rb") as file:
            file.seek(-2, 2)
            return file.read(2) == JPEG_END
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False  # Pillow's decode says what is wrong with it


def decode_to_surface(
    path: Path,
    zone: tuple[int, int],
    fit: str,
    background: tuple[int, int, int],
    template: pygame.Surface,
) -> pygame.Surface:
    """decode_image, then converted to `template`'s pixel format: a plain copy to draw."""
    # A pygame built without SDL_image loads BMP only: Pillow decodes everything there.
    if pygame.image.get_extended() and _is_zone_sized_jpeg(path, zone):
        try:
            loaded = pygame.image.load(str(path))
        except pygame.error as exc:
            raise ImageDecodeError(f"{path}: cannot decode image: {exc}") from exc
        return loaded.convert(template)
    decoded = decode_image(path, zone, fit, background)
    surface = pygame.image.frombuffer(decoded.rgb, decoded.size, "RGB")
    return surface.convert(template)


class ImageDecoder:
    """One worker thread that decodes images while the main loop keeps presenting."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="image-decode")

    def submit(
        self,
        path: Path,
        zone: tuple[int, int],
        fit: str,
        background: tuple[int, int, int],
        template: pygame.Surface,
        *,
        check: Callable[[], object] | None = None,
    ) -> Future[pygame.Surface]:
        """Decode in the worker into a surface in the display's format (see decode_to_surface);
        `check` runs there first (the cache's check of the file) and may refuse it."""

        def job() -> pygame.Surface:
            if check is not None:
                check()
            return decode_to_surface(path, zone, fit, background, template)

        return self._pool.submit(job)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
