"""`videotron status` in words: a status document as the lines a technician reads."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from player.sync.failure import SyncFailure
from player.wire.isotime import parse_utc
from player.wire.machinehealth import health_warnings
from player.wire.status import (
    BrightnessSection,
    CacheSection,
    ConfigSection,
    Damage,
    ErrorEntry,
    ErrorsSection,
    HealthSection,
    MachineSection,
    MqttSection,
    PlayerSection,
    PowerSection,
    RefusedManifest,
    RenderFailure,
    RenderSection,
    ReportSection,
    StatusDocument,
    SyncProgress,
    SyncSection,
    ThreadHealth,
)
from player.wire.units import format_size

# Every read below goes through a name annotated with its shape from player/wire/status.py;
# tests/service/test_status_shapes.py fails when one names a key the shape does not declare.


def parse_time(value: object) -> dt.datetime | None:
    try:
        return parse_utc(value)
    except ValueError:
        return None


def player_zone(doc: StatusDocument) -> ZoneInfo | None:
    """The zone the player's clock and schedule use (its config), or None when not written."""
    player: PlayerSection = doc.get("player") or {}
    try:
        return ZoneInfo(str(player.get("timezone"))) if player.get("timezone") else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_text(moment: dt.datetime, zone: dt.tzinfo | None) -> str:
    """A time as the screen's clock shows it, with the zone's name (None: this machine's)."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")


def _ago(when: object, now: dt.datetime) -> str:
    """`when` on the clock of `now`'s zone, and how long ago or ahead it is."""
    parsed = parse_time(when)
    if parsed is None:
        return str(when) if when else "?"
    seconds = (now - parsed).total_seconds()
    local = local_text(parsed, now.tzinfo)
    if seconds >= 0:
        return f"{local} ({_duration(seconds)} ago)"
    return f"{local} (in {_duration(-seconds)})"


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} days"


def playing(render: RenderSection, now: dt.datetime | None = None) -> str:
    """What the screen shows, in words."""
    if render.get("screen") == "off":
        return "nothing: display turned off by a display-off command (display-on brings it back)"
    kind = render.get("kind")
    if kind == "off":
        text = f"nothing: screen black, {render.get('reason') or 'outside operating hours'}"
        until = render.get("until")
        if until:
            text += f"; on again {_ago(until, now) if now else until}"
        return text
    if kind == "alert" or render.get("alert"):
        level = render.get("alert_level")
        return f"ALERT {render.get('alert')}" + (f" ({level})" if level else "")
    if render.get("item"):
        text = str(render.get("item"))
        if render.get("type"):
            text += f" ({render.get('type')})"
        if render.get("playlist"):
            text += f" from playlist {render.get('playlist')}"
        return text
    if kind == "idle":
        why = render.get("splash") or render.get("reason") or "nothing to play"
        return f"splash screen ({why})"
    return "nothing"


def attention(doc: StatusDocument) -> str | None:
    """What makes a running player need a technician (unhealthy, config refused), or None."""
    health: HealthSection = doc.get("health") or {}
    config: ConfigSection = doc.get("config") or {}
    if health.get("healthy") is False:
        return f"UNHEALTHY: {health.get('reason') or 'see threads below'}"
    errors = config.get("errors") or []
    if errors:
        where = config.get("path", "the config")
        if config.get("on_last_good"):
            return f"CONFIG REFUSED: {where} does not load; playing its last good config"
        return f"CONFIG REFUSED: {len(errors)} error(s) in {where}; see below"
    return None


def render_summary(doc: StatusDocument, now: dt.datetime, not_running: str | None = None) -> str:
    """A few lines a technician can read at a glance, problems first.

    Times are on the screen's clock: the player's configured zone, named (e.g. WIB).
    """
    lines: list[str] = []
    now = now.astimezone(player_zone(doc))
    player: PlayerSection = doc.get("player") or {}
    health: HealthSection = doc.get("health") or {}
    render: RenderSection = doc.get("render") or {}
    sync: SyncSection = doc.get("sync") or {}
    cache: CacheSection = doc.get("cache") or {}
    mqtt: MqttSection = doc.get("mqtt") or {}
    config: ConfigSection = doc.get("config") or {}
    report: ReportSection = doc.get("report") or {}

    ident = player.get("id") or "?"
    version = player.get("version") or doc.get("version") or "?"
    if not_running:
        verdict = f"NOT RUNNING: {not_running}"
    else:
        verdict = f"running, {attention(doc) or 'healthy'}"
    lines.append(f"videotron {ident} (v{version}, pid {doc.get('pid', '?')}): {verdict}")
    started = player.get("started_at")
    lines.append(f"  status written  {_ago(doc.get('written_at'), now)}")
    if started:
        lines.append(f"  started         {_ago(started, now)}")

    lines.append(f"  playing         {_playing_since(render, now)}")
    screen = render.get("screen")
    if screen is not None:
        lines.append(f"  screen          {screen}")
    lines.extend(_display(render))
    failure: RenderFailure
    for failure in render.get("failures") or []:
        lines.append(f"  cannot play     {failure.get('item')}: {failure.get('error')}")
    lines.extend(_sync_lines(sync, now))
    lines.extend(_cache_lines(cache))
    lines.extend(_brightness_lines(doc.get("brightness") or {}, player_zone(doc)))
    lines.extend(machine_lines(doc.get("machine") or {}))
    lines.extend(_power_lines(doc.get("power") or {}))
    if mqtt:
        text = str(mqtt.get("state", "?"))
        if mqtt.get("broker"):
            text += f" ({mqtt.get('broker')})"
        if mqtt.get("last_error"):
            text += f"; last error: {mqtt.get('last_error')}"
        lines.append(f"  mqtt            {text}")
    else:
        lines.append("  mqtt            not configured")
    if report:
        lines.append(
            f"  proof of play   {report.get('pending', '?')} waiting to upload,"
            f" {report.get('dropped', 0)} dropped"
        )

    errors = config.get("errors") or []
    if errors:
        lines.append(
            f"  CONFIG REFUSED  {len(errors)} error(s) in {config.get('path', 'the config')};"
            " the last good config stays in force:"
        )
        lines.extend(f"    {e}" for e in errors[:10])
    threads = health.get("threads") or {}
    if threads:
        # A stopped or hung player's threads are only what it last wrote, not their state.
        lines.append("  threads (as last written):" if not_running else "  threads:")
        info: ThreadHealth
        for name, info in sorted(threads.items()):
            text = f"    {name:<14} {info.get('state', '?')}"
            if info.get("restarts"):
                text += f", restarted {info.get('restarts')}x"
                if info.get("last_error"):
                    text += f" (last: {info.get('last_error')})"
            lines.append(text)
    recent = recent_errors(doc.get("errors") or {}, now.tzinfo)
    if recent:
        lines.append("  recent errors:")
        lines.extend(f"    {e}" for e in recent[-10:])
    return "\n".join(lines)


def _brightness_lines(brightness: BrightnessSection, zone: ZoneInfo | None) -> list[str]:
    """The wall's level, why, and through what: the sending card or the software dimming."""
    if not brightness:
        return []
    output = brightness.get("output")
    via = "the picture dimmed in software" if output == "software" else output
    text = f"{brightness.get('level', '?')}% ({brightness.get('reason', '?')}) via {via}"
    lines = [f"  brightness      {text}"]
    if brightness.get("link") == "not answering":
        lines.append("  SENDING CARD    not answering: the failsafe level is tried until it does")
    if brightness.get("last_error"):
        lines.append(f"    {brightness.get('last_error')}")
    following = parse_time(brightness.get("next_change_at"))
    if following is not None:
        lines.append(f"    next change   {local_text(following, zone)}")
    if brightness.get("sun_assumed"):
        lines.append(
            "    sunrise and sunset assumed at 06:00 and 18:00: set location.latitude/longitude"
        )
    return lines


def machine_lines(machine: MachineSection) -> list[str]:
    """The Pi's health: temperature, power, load, memory, disk, SD card, network."""
    if not machine:
        return []
    parts = []
    if machine.get("temp_c") is not None:
        parts.append(f"{machine['temp_c']:.1f} °C")
    if machine.get("load_1m") is not None:
        parts.append(f"load {machine['load_1m']:.2f}/{machine.get('cpu_count') or '?'} CPUs")
    if machine.get("mem_total_bytes"):
        free = format_size(machine.get("mem_available_bytes") or 0)
        parts.append(f"memory {free} free of {format_size(machine['mem_total_bytes'])}")
    if machine.get("disk_total_bytes"):
        free = format_size(machine.get("disk_free_bytes") or 0)
        parts.append(f"disk {free} free of {format_size(machine['disk_total_bytes'])}")
    if machine.get("uptime_s") is not None:
        parts.append(f"up {_duration(int(machine['uptime_s']))}")
    lines = [f"  machine         {', '.join(parts) or 'nothing readable'}"]
    network = []
    if machine.get("net_interface"):
        network.append(f"{machine['net_interface']} {machine.get('net_link') or '?'}")
    if machine.get("wifi_signal_dbm") is not None:
        network.append(f"Wi-Fi {machine['wifi_signal_dbm']:.0f} dBm")
    if machine.get("modem_signal_percent") is not None:
        network.append(f"modem signal {machine['modem_signal_percent']}%")
    if network:
        lines.append(f"    network       {', '.join(network)}")
    if machine.get("io_errors") is None:
        lines.append("    kernel log    not readable: I/O errors are not counted (see OPERATIONS)")
    for warning in health_warnings(machine):
        lines.append(f"  {warning.level.upper():<15} {HEALTH_WORDS[warning.code]}")
    return lines


HEALTH_WORDS = {
    "hot": "too hot (80 °C or more): the CPU slows down; check the cabinet's fans and filters",
    "warm": "warm (70 °C or more): check the cabinet's fans and filters",
    "under_voltage": "under-voltage now: the power supply sags; check the supply and its cable",
    "under_voltage_since_boot": "under-voltage happened since boot: check the power supply",
    "throttled": "the CPU is throttled (heat or power): see the lines above",
    "sd_read_only": "the cache's file system is read-only: the SD card is failing; replace it",
    "disk_low": "less than 10% of the cache's disk is free",
    "io_errors": "I/O errors in the kernel log: the SD card may be failing",
}


def _power_lines(power: PowerSection) -> list[str]:
    """The wall's power as its switch reports it; nothing when no switch is configured."""
    if not power or power.get("via") == "none":
        return []
    text = f"{power.get('state', '?')} (asked {power.get('wanted', '?')}) via {power.get('via')}"
    lines = [f"  wall power      {text}"]
    if power.get("error"):
        lines.append(f"    {power.get('error')}")
    return lines


def _playing_since(render: RenderSection, now: dt.datetime) -> str:
    text = playing(render, now)
    since = render.get("since")
    if since:
        text += f", since {_ago(since, now)}"
    return text


def _display(render: RenderSection) -> list[str]:
    """The output and the picture's place in it, as in force now (also after a live edit)."""
    lines = []
    if render.get("driver"):
        output = render.get("output")
        size = f" {output[0]}x{output[1]}" if isinstance(output, list) and len(output) == 2 else ""
        fps = f", {render.get('fps')} fps" if render.get("fps") is not None else ""
        lines.append(f"  display         {render.get('driver')}{size}{fps}")
        if render.get("decoder"):
            lines.append(f"  video decoder   {render.get('decoder')}")
        region = render.get("region")
        if isinstance(region, list) and len(region) == 4:
            x, y, w, h = region
            rotation = render.get("rotation", 0)
            lines.append(f"  picture         {w}x{h} at x={x}, y={y}, rotation {rotation}")
    if render and not render.get("first_frame"):
        lines.append("  display         no frame shown yet")
    return lines


def _sync_lines(sync: SyncSection, now: dt.datetime) -> list[str]:
    lines = []
    seq = sync.get("manifest_sequence")
    published = sync.get("manifest_published_at")
    if seq is not None or published:
        manifest = f"sequence {seq if seq is not None else '?'}"
        if published:
            manifest += f", published {_ago(published, now)}"
        lines.append(f"  manifest        {manifest}")
    else:
        lines.append("  manifest        none active")
    if not sync:
        return lines
    result = sync.get("last_result") or sync.get("state") or "?"
    text = f"{sync.get('state', '?')}; last result: {result}"
    if sync.get("last_ok_at"):
        text += f"; last success {_ago(sync.get('last_ok_at'), now)}"
    lines.append(f"  sync            {text}")
    refused: RefusedManifest | None = sync.get("refused")
    if refused:
        # Stays while the source serves it, also when a later poll fails for the network.
        lines.append(f"  MANIFEST REFUSED {refused.get('reason')} ({_ago(refused.get('at'), now)})")
        kind = next((k for k in SyncFailure if k == refused.get("kind")), None)
        if kind is not None:
            lines.append(f"  what to do      {kind.hint}")
    if sync.get("next_attempt_at"):
        lines.append(f"  next sync       {_ago(sync.get('next_attempt_at'), now)}")
    progress: SyncProgress = sync.get("progress") or {}
    total = progress.get("total_bytes")
    if total:
        done = progress.get("done_bytes", 0)
        text = f"{format_size(done)} of {format_size(total)} ({100.0 * done / total:.0f}%)"
        if progress.get("rate"):
            text += f" at {format_size(progress.get('rate'))}/s"
        eta = progress.get("eta")
        if eta is not None:
            text += f", about {_duration(float(eta))} left"
        lines.append(f"  downloading     {text}")
    return lines


def _cache_lines(cache: CacheSection) -> list[str]:
    lines = []
    if cache:
        text = f"{format_size(cache.get('used_bytes'))} of {format_size(cache.get('max_bytes'))}"
        if cache.get("files") is not None:
            text += f", {cache.get('files')} files"
        if cache.get("error"):
            text += f"; ERROR: {cache.get('error')}"
        lines.append(f"  cache           {text}")
        if cache.get("check"):
            lines.append(f"  cache check     {cache.get('check')}")
    for line in cache.get("manifest_refused") or []:
        lines.append(f"  MANIFEST REFUSED {line}")
    damage: Damage
    for damage in cache.get("damaged") or []:
        media = str(damage.get("media", "?"))[:12]
        then = "downloaded again" if damage.get("restored") else "removed, downloading it again"
        lines.append(f"  DAMAGED MEDIA   {media}…: {damage.get('reason')}; {then}")
    return lines


def recent_errors(section: ErrorsSection, zone: dt.tzinfo | None = None) -> list[str]:
    """The errors section's entries as lines: when (on `zone`'s clock), where, what, how often."""
    out = []
    entry: ErrorEntry
    for entry in section.get("recent") or []:
        text = str(entry.get("message", "?"))
        if entry.get("where"):
            text = f"{entry.get('where')}: {text}"
        count = entry.get("count") or 1
        if count > 1:
            text += f" (x{count})"
        if entry.get("at"):
            at = parse_time(entry.get("at"))
            text = f"{local_text(at, zone) if at else entry.get('at')}  {text}"
        out.append(text)
    return out


def one_line_summary(snapshot: StatusDocument) -> str:
    """The STATUS= line systemctl shows: what plays and how sync/push are doing."""
    render: RenderSection = snapshot.get("render") or {}
    sync: SyncSection = snapshot.get("sync") or {}
    mqtt: MqttSection = snapshot.get("mqtt") or {}
    config: ConfigSection = snapshot.get("config") or {}
    parts = [f"playing {playing(render)}"]
    if sync.get("manifest_sequence") is not None:
        parts.append(f"manifest #{sync.get('manifest_sequence')}")
    if sync.get("state"):
        parts.append(f"sync {sync.get('state')}")
    if mqtt.get("state"):
        parts.append(f"mqtt {mqtt.get('state')}")
    if config.get("errors"):
        parts.append("config refused")
    return ", ".join(parts)
