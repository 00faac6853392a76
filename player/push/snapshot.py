"""Screenshots for the office: a frame as a small JPEG message for the screenshot topic."""

from __future__ import annotations

import base64
import io

from PIL import Image

MAX_JPEG_BYTES = 200 * 1024  # what one screenshot may cost a metered 4G link
MAX_SIDE = 1280  # longest side sent; an LED wall is rarely sharper than this anyway
QUALITIES = (80, 65, 50, 35)
MIN_SIDE = 64


def encode_jpeg(image: Image.Image, limit: int = MAX_JPEG_BYTES) -> bytes:
    """`image` downscaled and compressed until it fits in `limit` bytes."""
    rgb = image.convert("RGB")
    scale = min(1.0, MAX_SIDE / max(rgb.size))
    while True:
        size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
        frame = rgb if size == rgb.size else rgb.resize(size, Image.Resampling.BILINEAR)
        for quality in QUALITIES:
            out = io.BytesIO()
            frame.save(out, format="JPEG", quality=quality, optimize=True)
            if out.tell() <= limit:
                return out.getvalue()
        if max(size) <= MIN_SIDE:
            return out.getvalue()  # a thumbnail this small is never near the limit in practice
        scale *= 0.7


def screenshot_message(
    png: bytes, *, taken_at: str, item: str | None, playlist: str | None
) -> dict:
    """The JSON body of `<prefix>/player/<id>/screenshot` for a PNG frame."""
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        jpeg = encode_jpeg(image)
    with Image.open(io.BytesIO(jpeg)) as small:
        width, height = small.size
    return {
        "taken_at": taken_at,
        "item": item,
        "playlist": playlist,
        "width": width,
        "height": height,
        "jpeg": base64.b64encode(jpeg).decode("ascii"),
    }
