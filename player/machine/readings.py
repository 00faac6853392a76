"""Health readings from procfs/sysfs text: pure parsers, and one reader under a root directory.

Every parser takes the text of one file (or one command's output) and returns plain values,
so tests feed them a hot, throttled, under-voltage machine without owning one. `read_machine`
reads those files under `root` ("/" on a screen, a prepared folder in tests); commands
(`vcgencmd`, `journalctl`, `mmcli`) run only through the injected `run` and only when the
file they stand in for is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

TEMP = "sys/class/thermal/thermal_zone0/temp"
THROTTLED = "sys/devices/platform/soc/soc:firmware/get_throttled"
LOADAVG = "proc/loadavg"
MEMINFO = "proc/meminfo"
MOUNTS = "proc/mounts"
UPTIME = "proc/uptime"
ROUTE = "proc/net/route"
WIRELESS = "proc/net/wireless"
KMSG = "dev/kmsg"
KMSG_MOST = 4 * 1024 * 1024  # bytes of kernel log read at most per sample
COMMAND_TIMEOUT = 5.0  # seconds a vcgencmd, journalctl or mmcli call may take

# The firmware's get_throttled bits (Raspberry Pi documentation, "vcgencmd get_throttled").
UNDER_VOLTAGE, FREQ_CAPPED, THROTTLED_NOW, SOFT_TEMP_LIMIT = 0, 1, 2, 3
UNDER_VOLTAGE_SINCE_BOOT, FREQ_CAPPED_SINCE_BOOT, THROTTLED_SINCE_BOOT = 16, 17, 18
SOFT_TEMP_LIMIT_SINCE_BOOT = 19

# Kernel log lines that speak of a failing SD card or disk (mmc, block layer, file system).
IO_ERROR = re.compile(
    r"I/O error|mmc\d+: (?:error|Timeout)|EXT4-fs error|FAT-fs \(.*\): error|"
    r"blk_update_request: |critical medium error|Remounting filesystem read-only",
    re.IGNORECASE,
)

Run = Callable[[list[str]], str | None]  # a command's stdout, or None when it cannot run


def parse_temperature(text: str) -> float:
    """°C from thermal_zone*/temp (millidegrees)."""
    return round(int(text.strip()) / 1000.0, 1)


def parse_throttled(text: str) -> int:
    """The bits from get_throttled ("50005") or vcgencmd's "throttled=0x50005"."""
    return int(text.strip().rpartition("=")[2], 16)


def throttle_flags(bits: int) -> dict:
    """The documented bits of get_throttled as named flags."""

    def bit(n: int) -> bool:
        return bool(bits >> n & 1)

    return {
        "throttled_bits": hex(bits),
        "under_voltage": bit(UNDER_VOLTAGE),
        "freq_capped": bit(FREQ_CAPPED),
        "throttled": bit(THROTTLED_NOW),
        "soft_temp_limit": bit(SOFT_TEMP_LIMIT),
        "under_voltage_since_boot": bit(UNDER_VOLTAGE_SINCE_BOOT),
        "freq_capped_since_boot": bit(FREQ_CAPPED_SINCE_BOOT),
        "throttled_since_boot": bit(THROTTLED_SINCE_BOOT),
        "soft_temp_limit_since_boot": bit(SOFT_TEMP_LIMIT_SINCE_BOOT),
    }


def parse_loadavg(text: str) -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages from /proc/loadavg."""
    one, five, fifteen = text.split()[:3]
    return float(one), float(five), float(fifteen)


def parse_meminfo(text: str) -> tuple[int, int]:
    """(total, available) bytes from /proc/meminfo."""
    kib = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            kib[name.strip()] = int(parts[0])
    return kib["MemTotal"] * 1024, kib.get("MemAvailable", kib.get("MemFree", 0)) * 1024


def parse_uptime(text: str) -> float:
    """Seconds since boot from /proc/uptime."""
    return float(text.split(maxsplit=1)[0])


def _unescape(field: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash in paths as octal escapes.
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def mount_of(mounts: str, path: Path) -> tuple[str, str, bool] | None:
    """(mount point, device, read-only) of the file system holding `path`, from /proc/mounts.

    The longest mount point `path` lies under wins; a later mount over the same point
    hides an earlier one, as in the kernel.
    """
    best: tuple[str, str, bool] | None = None
    target = str(path)
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        device, point, options = _unescape(fields[0]), _unescape(fields[1]), fields[3]
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= len(best[0])):
            best = (point, device, "ro" in options.split(","))
    return best


def count_io_errors(log_text: str) -> int:
    """Lines of a kernel log (dmesg, /dev/kmsg or `journalctl -k`) that report I/O errors."""
    return sum(1 for line in log_text.splitlines() if IO_ERROR.search(line))


def default_interface(route: str) -> str | None:
    """The interface of the default route, from /proc/net/route."""
    for line in route.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 2 and fields[1] == "00000000":
            return fields[0]
    return None


def parse_wireless(text: str) -> dict[str, float]:
    """Signal level in dBm per Wi-Fi interface, from /proc/net/wireless."""
    levels = {}
    for line in text.splitlines()[2:]:
        name, _, rest = line.partition(":")
        fields = rest.split()
        if len(fields) >= 3:
            level = float(fields[2].rstrip("."))
            # Old drivers give 0..255 for -256..-1 dBm.
            levels[name.strip()] = level - 256 if level > 0 else level
    return levels


def parse_mmcli_signal(text: str) -> int | None:
    """The modem's signal quality in percent from `mmcli -m any --output-keyvalue`."""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "modem.generic.signal-quality.value":
            value = value.strip()
            return int(value) if value.isdigit() else None
    return None


@dataclass(frozen=True)
class Disk:
    free_bytes: int
    total_bytes: int


def disk_of(path: Path) -> Disk:
    """Free (for unprivileged users) and total bytes of the file system holding `path`."""
    stats = os.statvfs(path)
    return Disk(stats.f_bavail * stats.f_frsize, stats.f_blocks * stats.f_frsize)


def run_command(argv: list[str]) -> str | None:
    """`argv`'s stdout, or None when the program is missing, fails or takes too long."""
    program = shutil.which(argv[0])
    if program is None:
        return None
    try:
        done = subprocess.run(
            [program, *argv[1:]],
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def read_kernel_log(root: Path, run: Run) -> str | None:
    """This boot's kernel log: /dev/kmsg (root, or CAP_SYSLOG), else `journalctl -k -b`
    (members of the systemd-journal or adm group), else None."""
    try:
        fd = os.open(root / KMSG, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        fd = None
    if fd is not None:
        chunks, size = [], 0
        try:
            while size < KMSG_MOST:
                try:
                    chunk = os.read(fd, 8192)  # /dev/kmsg gives one record per read
                except BlockingIOError:
                    break  # the end of the ring buffer
                except BrokenPipeError:
                    continue  # records overwritten while reading: go on with the next
                except OSError:
                    chunks = None
                    break
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        finally:
            os.close(fd)
        if chunks is not None:
            text = b"".join(chunks).decode("utf-8", "replace")
            # A record is "priority,sequence,time,flags;message".
            return "\n".join(line.partition(";")[2] or line for line in text.splitlines())
    if root != Path("/"):
        return None
    return run(["journalctl", "-k", "-b", "-o", "cat", "--no-pager", "-q"])


def _text(root: Path, name: str) -> str | None:
    try:
        return (root / name).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _parsed(parse: Callable, text: str | None):
    if text is None:
        return None
    try:
        return parse(text)
    except (ValueError, KeyError, IndexError):
        return None


def read_machine(
    root: Path,
    cache_dir: Path,
    *,
    run: Run = run_command,
    disk: Callable[[Path], Disk] = disk_of,
) -> dict:
    """One sample of the machine's health: the `machine` status section's fields.

    A value the machine does not expose is None (no thermal zone on a PC, no firmware
    flags off a Raspberry Pi); nothing here raises for a missing file.
    """
    on_host = root == Path("/")
    sample: dict = {"temp_c": _parsed(parse_temperature, _text(root, TEMP))}
    bits_text = _text(root, THROTTLED)
    if bits_text is None and on_host:
        bits_text = run(["vcgencmd", "get_throttled"])
    bits = _parsed(parse_throttled, bits_text)
    if bits is not None:
        sample.update(throttle_flags(bits))
    loads = _parsed(parse_loadavg, _text(root, LOADAVG))
    if loads is not None:
        sample.update(load_1m=loads[0], load_5m=loads[1], load_15m=loads[2])
    sample["cpu_count"] = os.cpu_count()
    memory = _parsed(parse_meminfo, _text(root, MEMINFO))
    if memory is not None:
        sample.update(mem_total_bytes=memory[0], mem_available_bytes=memory[1])
    try:
        space = disk(cache_dir)
        sample.update(disk_free_bytes=space.free_bytes, disk_total_bytes=space.total_bytes)
    except OSError:
        pass
    mounts = _text(root, MOUNTS)
    mount = mount_of(mounts, cache_dir.resolve()) if mounts is not None else None
    if mount is not None:
        sample.update(disk_mount=mount[0], disk_device=mount[1], sd_read_only=mount[2])
    kernel_log = read_kernel_log(root, run)
    sample["io_errors"] = None if kernel_log is None else count_io_errors(kernel_log)
    sample["uptime_s"] = _parsed(parse_uptime, _text(root, UPTIME))
    interface = _parsed(default_interface, _text(root, ROUTE))
    sample["net_interface"] = interface
    if interface is not None:
        state = _text(root, f"sys/class/net/{interface}/operstate")
        sample["net_link"] = state.strip() if state else None
    levels = _parsed(parse_wireless, _text(root, WIRELESS)) or {}
    if levels:
        name = interface if interface in levels else next(iter(levels))
        sample["wifi_signal_dbm"] = levels[name]
    if on_host:
        modem = run(["mmcli", "-m", "any", "--output-keyvalue"])
        sample["modem_signal_percent"] = _parsed(parse_mmcli_signal, modem)
    return sample
