"""Config schema in code: one declaration per key with its type, default, bounds and doc."""

from __future__ import annotations

import base64
import binascii
import difflib
import re
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from player.config import model
from player.config.hours import operating_hours
from player.wire.located import Context, Invalid, Located, shown
from player.wire.settings import (
    Parser,
    Setting,
    SettingsTable,
    boolean,
    byte_size,
    choice,
    directory,
    duration,
    integer,
    read_file,
    resolve_path,
    scalar_text,
    secret_text,
    text,
    timezone_name,
    whole_number,
)
from player.wire.units import compact_size

WEEKDAYS = model.WEEKDAYS


# --- the player's own value types -------------------------------------------------------


def source_url(v: Located, ctx: Context) -> str:
    s = scalar_text(v, "a URL or folder").strip()
    if "://" in s:
        parts = urlsplit(s)
        if parts.scheme.lower() not in ("http", "https"):
            raise Invalid(
                f"unsupported URL scheme {parts.scheme!r}: use https://server/path/manifest.json "
                "or a local folder such as /media/usb/videotron"
            )
        _check_host_port(s, parts)
        return s
    if s.startswith("/"):
        return str(Path(s))
    tip = " (add https:// in front)" if "." in s.split("/")[0] else ""
    raise Invalid(
        f"expected an https:// URL or an absolute folder path (starting with /), got {s!r}{tip}"
    )


def mqtt_url(v: Located, ctx: Context) -> str:
    s = scalar_text(v, "an mqtt:// URL").strip()
    parts = urlsplit(s)
    fixes = {"tcp": "mqtt", "ssl": "mqtts", "tls": "mqtts", "": "mqtt"}
    if parts.scheme.lower() not in ("mqtt", "mqtts"):
        better = fixes.get(parts.scheme.lower(), "mqtt")
        raise Invalid(
            f"expected mqtt://host:1883 or mqtts://host:8883, got {s!r} (use {better}://)"
        )
    _check_host_port(s, parts)
    if parts.username or parts.password:
        raise Invalid("put the login in mqtt.username and mqtt.password, not in the URL")
    if parts.path not in ("", "/") or parts.query:
        raise Invalid(f"an MQTT URL has no path; use mqtt.topic_prefix instead of {parts.path!r}")
    return s


def _check_host_port(s: str, parts: Any) -> None:
    if any(c.isspace() for c in s):
        raise Invalid(f"URL {s!r} contains spaces; write them as %20")
    if not parts.hostname:
        raise Invalid(f"URL {s!r} has no host name (expected scheme://host/…)")
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        raise Invalid(f"URL {s!r} has a bad port: must be a number from 1 to 65535") from None


def _key_bytes(s: str) -> bytes | None:
    # `videotron keygen` prints, and writes into KEYFILE.pub, the line "public_key: …":
    # the line pasted whole, or the file, is as good as the key alone.
    s = s.strip().removeprefix("public_key:")
    compact = "".join(s.split())
    if re.fullmatch(r"[0-9a-fA-F]{64}", compact):
        return bytes.fromhex(compact)
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 else None


def public_key(v: Located, ctx: Context) -> str:
    s = scalar_text(v, "an Ed25519 public key").strip()
    raw = _key_bytes(s)
    if raw is None and (s.endswith(".pub") or s.startswith(("/", "./", "../"))):
        where = resolve_path(s, ctx)
        data = read_file(where, ctx, 4096, "public key file")
        raw = data if len(data) == 32 else _key_bytes(data.decode("ascii", "replace"))
        if raw is None:
            raise Invalid(
                f"{where} does not hold an Ed25519 public key (base64 of 32 bytes, as written "
                "by `videotron keygen` into KEYFILE.pub)"
            )
    if raw is None:
        raise Invalid(
            "expected an Ed25519 public key: base64 of 32 bytes (44 characters ending in '='), "
            "or the path of a .pub file from `videotron keygen`"
        )
    return base64.b64encode(raw).decode("ascii")


def ca_bundle(v: Located, ctx: Context) -> Path:
    path = resolve_path(scalar_text(v, "a file path"), ctx)
    if b"-----BEGIN CERTIFICATE-----" not in read_file(path, ctx, 1 << 20, "CA bundle"):
        raise Invalid(f"{path} is not a PEM CA bundle (no '-----BEGIN CERTIFICATE-----' line)")
    return path


_FONT_MAGIC = (b"\x00\x01\x00\x00", b"OTTO", b"true", b"ttcf")


def font_file(v: Located, ctx: Context) -> Path:
    path = resolve_path(scalar_text(v, "a font file path"), ctx)
    if read_file(path, ctx, 4, "font file")[:4] not in _FONT_MAGIC:
        raise Invalid(f"{path} is not a TrueType/OpenType font (.ttf, .otf or .ttc)")
    return path


_MAX_PIXELS = 16384
_WXH = re.compile(r"^\s*(\d+)\s*[xX\u00d7]\s*(\d+)\s*$")


def _pixels(v: Located, name: str, lo: int) -> int:
    n = whole_number(v, f"{name} in pixels")
    if not lo <= n <= _MAX_PIXELS:
        raise Invalid(f"{name} {n} is out of range: must be from {lo} to {_MAX_PIXELS}", v)
    return n


def display_size(v: Located, ctx: Context) -> tuple[int, int] | None:
    if isinstance(v.value, list) and len(v.value) == 2:
        return (_pixels(v.value[0], "width", 1), _pixels(v.value[1], "height", 1))
    s = scalar_text(v, "`auto` or WIDTHxHEIGHT such as 1920x1080").strip()
    if s.lower() == "auto":
        return None
    m = _WXH.match(s)
    if not m:
        raise Invalid(f"expected `auto` or WIDTHxHEIGHT such as 1920x1080, got {s!r}")
    w, h = int(m.group(1)), int(m.group(2))
    for name, n in (("width", w), ("height", h)):
        if not 1 <= n <= _MAX_PIXELS:
            raise Invalid(f"{name} {n} is out of range: must be from 1 to {_MAX_PIXELS}")
    return (w, h)


_REGION_KEYS = ("x", "y", "w", "h")


def region(v: Located, ctx: Context) -> model.Region:
    usage = "expected {x: 0, y: 0, w: 960, h: 540} or [x, y, w, h]"
    if isinstance(v.value, list):
        if len(v.value) != 4:
            raise Invalid(f"{usage}; the list has {len(v.value)} numbers")
        items = dict(zip(_REGION_KEYS, v.value, strict=True))
    elif isinstance(v.value, dict):
        errors = []
        for key, loc in v.value.items():
            if key not in _REGION_KEYS:
                close = difflib.get_close_matches(key, _REGION_KEYS, 1, 0.5)
                tip = f"; did you mean {close[0]}?" if close else ""
                message = f"unknown key {key!r} (use x, y, w, h){tip}"
                errors.append(Invalid(message, loc.key_position(), key))
        missing = [k for k in _REGION_KEYS if k not in v.value]
        if missing:
            errors.append(Invalid(f"{usage}; missing {', '.join(missing)}"))
        if errors:
            raise Invalid.joined(errors)
        items = v.value
    else:
        raise Invalid(f"{usage}, got {shown(v)}")
    nums = [_pixels(items[k], k, 0 if k in "xy" else 1) for k in _REGION_KEYS]
    return model.Region(*nums)


_HEX_COLOR = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
_NAMED_COLORS = MappingProxyType({"black": (0, 0, 0), "white": (255, 255, 255)})


def color(v: Located, ctx: Context) -> tuple[int, int, int]:
    usage = 'expected a color like "#1a2b3c" (in quotes) or [r, g, b] with 0-255 each'
    if isinstance(v.value, list):
        if len(v.value) != 3:
            raise Invalid(f"{usage}; the list has {len(v.value)} numbers")
        rgb = tuple(whole_number(c, "a color value 0-255") for c in v.value)
        for c, n in zip(v.value, rgb, strict=True):
            if not 0 <= n <= 255:
                raise Invalid(f"color value {n} is out of range: must be from 0 to 255", c)
        return rgb  # type: ignore[return-value]
    s = scalar_text(v, usage).strip()
    if s.lower() in _NAMED_COLORS:
        return _NAMED_COLORS[s.lower()]
    m = _HEX_COLOR.fullmatch(s)
    if not m:
        raise Invalid(f"{usage}, got {s!r}")
    digits = m.group(1) if len(m.group(1)) == 6 else "".join(c * 2 for c in m.group(1))
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def degrees(lo: float, hi: float, what: str) -> Parser:
    """A decimal number of degrees in [lo, hi], e.g. -6.2088 (south and west negative)."""

    def parse(v: Located, ctx: Context) -> float:
        usage = f"expected {what} in decimal degrees from {lo:g} to {hi:g}, e.g. -6.2088"
        if isinstance(v.value, bool) or not isinstance(v.value, int | float):
            raise Invalid(f"{usage}, got {shown(v)}")
        if not lo <= v.value <= hi:
            raise Invalid(f"{v.value} is out of range: {usage}")
        return float(v.value)

    return parse


def serial_port(v: Located, ctx: Context) -> Path:
    s = scalar_text(v, "a serial device such as /dev/ttyUSB0").strip()
    if not s.startswith("/dev/"):
        raise Invalid(
            f"expected a serial device under /dev such as /dev/ttyUSB0 or "
            f"/dev/serial/by-id/usb-..., got {s!r}"
        )
    return Path(s)


def cec_device(v: Located, ctx: Context) -> Path:
    s = scalar_text(v, "a CEC device such as /dev/cec0").strip()
    if not s.startswith("/dev/"):
        raise Invalid(f"expected a CEC device under /dev such as /dev/cec0 (`ls /dev/cec*`), "
                      f"got {s!r}")  # fmt: skip
    return Path(s)


# --- the declarations ----------------------------------------------------------------------

_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
_NAME_DOC = "letters, digits, '.', '_' or '-' (no spaces, at most 64)"
_TOPIC = r"[^#+\s/]+(/[^#+\s/]+)*"

SETTINGS: tuple[Setting, ...] = (
    Setting("player.id", text(_NAME, _NAME_DOC), "videotron",
            "unique name of this screen, used in MQTT topics and play reports"),
    Setting("player.group", text(_NAME, _NAME_DOC), "default",
            "screen group: which published playlist this screen plays"),
    Setting("player.timezone", timezone_name, "Asia/Jakarta",
            "IANA time zone for schedules and operating hours"),
    Setting("location.latitude", degrees(-90, 90, "a latitude"), None,
            "where the screen stands, for prayer times: latitude, south negative "
            "(Jakarta -6.2088)", nullable=True),
    Setting("location.longitude", degrees(-180, 180, "a longitude"), None,
            "where the screen stands, for prayer times: longitude, east positive "
            "(Jakarta 106.8456)", nullable=True),
    Setting("source.url", source_url, None,
            "https:// URL of manifest.json, or a local folder such as a USB stick", nullable=True),
    Setting("source.public_key", public_key, None,
            "publisher's Ed25519 public key (base64) or the path of its .pub file", nullable=True),
    Setting("source.allow_unsigned", boolean, False,
            "accept manifests without a valid signature (demos only)"),
    Setting("source.require_approval", boolean, False,
            "refuse a manifest with an item that carries no valid approval (keep the last one)"),
    Setting("source.allow_unsigned_feeds", boolean, False,
            "let the ticker read feeds a manifest names by URL, unsigned, from the internet"),
    Setting("source.token", secret_text, None, "sent as `Authorization: Bearer TOKEN`",
            nullable=True, secret=True),
    Setting("source.ca_bundle", ca_bundle, None,
            "PEM file of extra CA certificates for a private https server", nullable=True),
    Setting("source.poll_interval", duration(5, 86400), 300.0,
            "seconds between manifest checks (jittered); also 30s, 5m, 1h"),
    Setting("source.deadline", duration(5, 3600), 30.0,
            "longest a manifest fetch may take in all; media get this plus their size at "
            "source.min_rate"),
    Setting("source.min_rate", byte_size(100, 10 * 1000**2), 4000,
            "slowest download worth waiting for, in bytes per second (e.g. 4kB); slower is "
            "given up on as 'server too slow' and resumed later"),
    Setting("cache.dir", directory, Path("/var/lib/videotron"),
            "folder for downloaded media, manifests and play reports"),
    Setting("cache.max_size", byte_size(1000**2, 100 * 1000**4), 8 * 1000**3,
            "disk space the cache may use: bytes, or 8GB, 500MB, 1.5GiB"),
    Setting("display.size", display_size, None,
            "output size: auto (what the screen reports) or WIDTHxHEIGHT", nullable=True),
    Setting("display.region", region, None,
            "part of the output the LED sending card captures: {x, y, w, h}", nullable=True),
    Setting("display.rotation", choice((0, 90, 180, 270)), 0,
            "rotate the picture clockwise: 0, 90, 180 or 270 degrees"),
    Setting("display.fit", choice(("contain", "cover", "stretch")), "contain",
            "how media fill the region: contain, cover or stretch"),
    Setting("display.background", color, (0, 0, 0),
            'color around media that do not fill the region: "#rrggbb" or [r, g, b]',
            hint='colors starting with # must be in quotes, e.g. background: "#000000"'),
    Setting("display.fps", integer(1, 120), 30, "frames per second to draw"),
    Setting("display.driver", choice(("auto", "kmsdrm", "wayland", "x11", "dummy")), "auto",
            "SDL video driver: auto, kmsdrm, wayland, x11 or dummy"),
    Setting("display.font", font_file, None,
            "TTF/OTF font for text, clock and ticker (empty = system DejaVu Sans, else pygame's)",
            nullable=True),
    Setting("display.alert_language", choice(("id", "en", "both")), "id",
            "language of alert titles and labels: id (DARURAT), en (EMERGENCY) or both in turn"),
    Setting("brightness.controller", choice(("none", "novastar")), "none",
            "the LED sending card that sets the wall's brightness: none (dim the picture in "
            "software) or novastar (MCTRL series over its USB serial port)"),
    Setting("brightness.port", serial_port, None,
            "the sending card's serial port, e.g. /dev/ttyUSB0 (needed with a controller)",
            nullable=True),
    Setting("brightness.ceiling", integer(1, 100), 100,
            "percent: the brightest the wall may be, whatever the plan or sensor says"),
    Setting("brightness.floor", integer(0, 100), 0,
            "percent: the darkest the wall may be (above the ceiling, the ceiling wins)"),
    Setting("brightness.failsafe", integer(0, 100), 60,
            "percent while the light sensor or the sending card does not answer"),
    Setting("power.switch", choice(("none", "controller", "cec")), "none",
            "what switches the wall off outside operating hours: none (the picture is only "
            "black), controller (the sending card of brightness.controller) or cec (HDMI-CEC)"),
    Setting("power.cec_device", cec_device, Path("/dev/cec0"),
            "the HDMI port's CEC adapter, with power.switch: cec"),
    Setting("video.decoder", choice(("auto", "software", "v4l2m2m")), "auto",
            "H.264 decoder: auto (the Pi 4's hardware decoder when it is there), software,"
            " or v4l2m2m (hardware; software per file when it fails)"),
    Setting("mqtt.url", mqtt_url, None,
            "broker for instant updates and alerts: mqtt://host:1883 or mqtts://host:8883",
            nullable=True),
    Setting("mqtt.username", text(), None, "broker login name", nullable=True),
    Setting("mqtt.password", secret_text, None, "broker password", nullable=True, secret=True),
    Setting("mqtt.topic_prefix", text(_TOPIC, "topic levels without '#', '+' or spaces"),
            "videotron", "first level of every MQTT topic"),
    Setting("mqtt.ca_bundle", ca_bundle, None,
            "PEM file of CA certificates for an mqtts:// broker", nullable=True),
    Setting("operating_hours", operating_hours, model.OperatingHours(),
            "screen-on times per weekday; empty = always on", nullable=True),
    Setting("schedule.aligned", boolean, False,
            "screens of a group show the same item at the same time (clock-aligned)"),
    Setting("report.max_records", integer(1000, 50_000_000), 500_000,
            "proof-of-play records kept while offline; oldest dropped beyond this"),
    Setting("report.batch_size", integer(1, 10_000), 200, "play records sent per upload"),
    Setting("report.ack_timeout", duration(1, 3600), 30.0,
            "seconds to wait for the collector's ack before sending a batch again (then longer)"),
    Setting("report.thumbnail_every", duration(0, 86400), 0.0,
            "seconds between screenshots sent to the office; 0 = only on command"),
    Setting("runtime.dir", directory, Path("/run/videotron"),
            "folder for status.json and the control socket"),
    Setting("log.level", choice(("DEBUG", "INFO", "WARNING", "ERROR"), aliases={"WARN": "WARNING"}),
            "INFO", "how much to log: DEBUG, INFO, WARNING or ERROR"),
)  # fmt: skip

SECTION_TYPES = MappingProxyType(
    {
        "player": model.PlayerConfig,
        "location": model.LocationConfig,
        "source": model.SourceConfig,
        "cache": model.CacheConfig,
        "display": model.DisplayConfig,
        "brightness": model.BrightnessConfig,
        "power": model.PowerConfig,
        "video": model.VideoConfig,
        "mqtt": model.MqttConfig,
        "schedule": model.ScheduleConfig,
        "report": model.ReportConfig,
        "runtime": model.RuntimeConfig,
        "log": model.LogConfig,
    }
)


def shown_value(path: str, value: Any) -> str:
    """A setting's value as `check-config` and error messages write it."""
    if path == "operating_hours" and isinstance(value, dict):
        return ", ".join(
            f"{day} {'+'.join(w) if isinstance(w, list) else w}" for day, w in value.items()
        )
    if path == "display.region" and isinstance(value, dict):
        return "{w}x{h} at x={x}, y={y}".format(**value)
    if path == "display.size":
        return "auto" if value is None else f"{value[0]}x{value[1]}"
    if path == "display.background" and isinstance(value, tuple | list):
        return "#{:02x}{:02x}{:02x}".format(*value)
    if path == "cache.max_size" and isinstance(value, int):
        return f"{compact_size(value)} ({value} bytes)"
    if isinstance(value, bool):
        return str(value).lower()
    return "(not set)" if value is None else str(value)


TABLE = SettingsTable(
    SETTINGS,
    top_level=(*SECTION_TYPES, "operating_hours"),
    file_shape="settings grouped in sections such as 'player:' and 'display:'",
    show_default=shown_value,
)
SETTINGS_BY_PATH = TABLE.by_path
