"""Sample content for `videotron demo`: posters, a short H.264 clip and a playlist."""

from __future__ import annotations

import math
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)

POSTERS = (
    ("psa-water", "Hemat Air Bersih", "Matikan keran saat tidak digunakan", (0, 92, 151)),
    ("psa-health", "Cek Kesehatan Gratis", "Setiap Jumat di Puskesmas terdekat", (0, 128, 96)),
    ("psa-tax", "Bayar PBB Tepat Waktu", "Jatuh tempo 31 Agustus", (150, 60, 0)),
)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size)


def make_poster(path: Path, title: str, subtitle: str, color: tuple[int, int, int]) -> Path:
    """A 1920x1080 announcement poster: vertical gradient, title and subtitle."""
    width, height = 1920, 1080
    ramp = np.linspace(1.0, 0.45, height)[:, None, None]
    pixels = (np.array(color, dtype=np.float32)[None, None, :] * ramp).astype(np.uint8)
    image = Image.fromarray(np.repeat(pixels, width, axis=1), "RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 80, width - 80, height - 80), outline=(255, 255, 255), width=8)
    draw.text((width // 2, 430), title, font=_font(130), fill="white", anchor="mm")
    draw.text((width // 2, 640), subtitle, font=_font(64), fill=(235, 235, 235), anchor="mm")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, quality=90)
    return path


def make_clip(path: Path, seconds: float = 5.0, size=(960, 540), fps: int = 25) -> Path:
    """A short H.264 clip: a moving colour wheel with a caption, so motion is visible."""
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    caption = Image.new("L", size, 0)
    ImageDraw.Draw(caption).text(
        (width // 2, height - 70), "Video Dinas Kominfo", font=_font(44), fill=255, anchor="mm"
    )
    caption_mask = np.asarray(caption, dtype=np.float32)[..., None] / 255.0
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "26"}
        for index in range(round(seconds * fps)):
            phase = 2 * math.pi * index / (fps * 3)
            cx = width / 2 + math.cos(phase) * width / 4
            cy = height / 2 + math.sin(phase) * height / 4
            angle = np.arctan2(ys - cy, xs - cx)
            rgb = np.stack(
                [np.sin(angle + phase + k * 2.094) * 110 + 128 for k in range(3)], axis=-1
            )
            rgb = rgb * (1 - caption_mask) + 255 * caption_mask
            frame = av.VideoFrame.from_ndarray(rgb.astype(np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_demo_playlist(folder: Path, feed_url: str | None) -> Path:
    """Create media and an authoring YAML in `folder`; return the YAML's path."""
    media = folder / "media"
    lines = ["group: demo", "playlists:", "  - name: main", "    priority: 0", "    items:"]
    for item_id, title, subtitle, color in POSTERS:
        make_poster(media / f"{item_id}.jpg", title, subtitle, color)
        lines.append(
            f"      - {{id: {item_id}, type: image, file: media/{item_id}.jpg, duration: 6,"
            " transition: {type: crossfade, ms: 600}}"
        )
        if item_id == "psa-water":
            make_clip(media / "agency.mp4")
            lines.append("      - {id: agency-video, type: video, file: media/agency.mp4}")
    lines += [
        '      - {id: notice, type: text, text: "Layanan pengaduan online: lapor.go.id",'
        " duration: 6, transition: {type: crossfade, ms: 400}}",
        "      - {id: clock, type: clock, duration: 5}",
        "layout:",
        "  clock: {position: top-right}",
        "ticker:",
        '  lines: ["Selamat datang di videotron demo"]',
    ]
    if feed_url:
        lines.append(f'  feeds: [{{url: "{feed_url}", refresh: 600}}]')
    path = folder / "playlist.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
