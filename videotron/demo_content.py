"""Sample content for `videotron demo`: posters, a short H.264 clip and a playlist."""

from __future__ import annotations

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


# The demo screen is 1280x720 with a ticker of 8 %: pictures at the main zone's shape fill
# it edge to edge, as content made for a real wall would.
POSTER_SIZE = (1920, 994)
CLIP_SIZE = (960, 496)


def make_poster(path: Path, title: str, subtitle: str, color: tuple[int, int, int]) -> Path:
    """An announcement poster: vertical gradient, sender, title, subtitle and a footer.

    The top-right corner is left plain: the corner clock sits there on the screen.
    """
    width, height = POSTER_SIZE
    ramp = np.linspace(1.0, 0.45, height)[:, None, None]
    pixels = (np.array(color, dtype=np.float32)[None, None, :] * ramp).astype(np.uint8)
    image = Image.fromarray(np.repeat(pixels, width, axis=1), "RGB")
    draw = ImageDraw.Draw(image)
    draw.text((90, 80), "PEMERINTAH KOTA DEMO", font=_font(44), fill=(230, 230, 230))
    draw.line((90, 140, 620, 140), fill=(230, 230, 230), width=4)
    draw.text((width // 2, 420), title, font=_font(124), fill="white", anchor="mm")
    draw.text((width // 2, 600), subtitle, font=_font(62), fill=(235, 235, 235), anchor="mm")
    draw.text(
        (width // 2, height - 90), "kominfo.demo.go.id", font=_font(40), fill=(220, 220, 220),
        anchor="mm",
    )  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, quality=90)
    return path


def _landscape(width: int, height: int, t: float, sky: np.ndarray) -> np.ndarray:
    """One frame of a sunrise over rolling hills: the sun climbs, the hills scroll."""
    frame = sky.copy()
    ys, xs = np.ogrid[0:height, 0:width]
    sun_x, sun_y = width * (0.25 + 0.05 * t), height * (0.55 - 0.06 * t)
    glow = np.exp(-((xs - sun_x) ** 2 + (ys - sun_y) ** 2) / (2 * (height * 0.09) ** 2))
    frame += glow[..., None] * np.array([255.0, 190.0, 90.0]) * 0.9
    for depth, (shade, speed, base) in enumerate(
        ((np.array([70, 120, 80]), 18, 0.62), (np.array([40, 95, 55]), 40, 0.72),
         (np.array([25, 70, 35]), 75, 0.83))
    ):  # fmt: skip
        x = np.arange(width) + speed * t
        ridge = height * (
            base
            + 0.05 * np.sin(x / (width / (3 + depth)))
            + 0.02 * np.sin(x / (width / (11 + 2 * depth)) + depth)
        )
        below = ys >= ridge[None, :]
        shaded = shade[None, None, :] * (0.8 + 0.2 * ys / height)[..., None]
        frame = np.where(below[..., None], shaded, frame)
    return np.clip(frame, 0, 255)


def _dithered_yuv420(rgb: np.ndarray, grain: tuple[np.ndarray, ...]) -> np.ndarray:
    """An RGB frame as yuv420p planes (BT.601, limited range), `grain` added before rounding.

    Converted here rather than by the encoder's scaler: rounding a smooth sky straight to
    8-bit YUV leaves flat steps of several RGB levels that H.264 turns into bands; a fixed
    grain of about a level (the same every frame, so it costs no bitrate over time) breaks
    them up, as a camera's noise does.
    """
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    y = 16 + 0.256788 * r + 0.504129 * g + 0.097906 * b
    u = 128 - 0.148223 * r - 0.290993 * g + 0.439216 * b
    v = 128 + 0.439216 * r - 0.367788 * g - 0.071427 * b
    height, width = y.shape

    def quarter(plane: np.ndarray) -> np.ndarray:
        return plane.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3))

    planes = [
        np.clip(np.rint(plane + noise), 0, 255).astype(np.uint8)
        for plane, noise in zip((y, quarter(u), quarter(v)), grain, strict=True)
    ]
    chroma = [plane.reshape(height // 4, width) for plane in planes[1:]]
    return np.concatenate([planes[0], *chroma])


def make_clip(path: Path, seconds: float = 5.0, size=CLIP_SIZE, fps: int = 25) -> Path:
    """A short H.264 clip: a sunrise over scrolling hills with a caption, made at demo time."""
    width, height = size
    rows = np.linspace(0.0, 1.0, height)[:, None, None]
    top, horizon = np.array([40.0, 80.0, 160.0]), np.array([250.0, 170.0, 120.0])
    sky = np.repeat(top * (1 - rows) + horizon * rows, width, axis=1)
    caption = Image.new("L", size, 0)
    ImageDraw.Draw(caption).text(
        (width // 2, height - 50), "Video Dinas Kominfo", font=_font(40), fill=255, anchor="mm"
    )
    caption_mask = np.asarray(caption, dtype=np.float32)[..., None] / 255.0
    rng = np.random.default_rng(7)  # the same clip every run
    grain = tuple(
        rng.triangular(-1.5, 0.0, 1.5, shape)
        for shape in ((height, width), (height // 2, width // 2), (height // 2, width // 2))
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {
            "crf": "18",
            "tune": "grain",
        }  # keeps the grain rather than smoothing it back into bands
        for index in range(round(seconds * fps)):
            rgb = _landscape(width, height, index / fps, sky)
            rgb = rgb * (1 - caption_mask) + 255 * caption_mask
            planes = _dithered_yuv420(rgb, grain)
            frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_demo_playlist(folder: Path, feed_file: str | None) -> Path:
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
        "layout:",
        "  clock: {position: top-right}",
        "ticker:",
        '  lines: ["Selamat datang di videotron demo"]',
    ]
    if feed_file:  # published with the content: the folder plays anywhere, even replayed
        lines.append(f'  feeds: [{{file: "{feed_file}", refresh: 600}}]')
    path = folder / "playlist.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
