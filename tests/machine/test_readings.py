"""Health readings from an injected procfs/sysfs root, and once from this very machine."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from player.machine.readings import (
    Disk,
    count_io_errors,
    mount_of,
    parse_mmcli_signal,
    parse_throttled,
    parse_wireless,
    read_machine,
    throttle_flags,
)
from player.machine.sampler import HealthSampler
from player.service.board import StatusBoard
from player.service.statusview import machine_lines
from player.wire.machinehealth import health_warnings

MEMINFO = "MemTotal:        3882924 kB\nMemFree:          120000 kB\nMemAvailable:    1941462 kB\n"
ROUTE = (
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    "wlan0\t0000A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0\n"
    "wlan0\t00000000\t0100A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
)
WIRELESS = (
    "Inter-| sta-|   Quality        |   Discarded packets               | Missed | WE\n"
    " face | tus | link level noise |  nwid  crypt   frag  retry   misc | beacon | 22\n"
    " wlan0: 0000   41.  -69.  -256        0      0      0      0     12        0\n"
)
KMSG = (
    "6,812,4501234,-;mmc0: new high speed SDHC card at address 0001\n"
    "3,900,9801234,-;mmc0: error -110 whilst initialising SD card\n"
    "3,901,9801240,-;blk_update_request: I/O error, dev mmcblk0, sector 123456 op 0x1:(WRITE)\n"
    "3,902,9801250,-;Buffer I/O error on dev mmcblk0p2, logical block 15432, lost async page\n"
    "2,903,9801260,-;EXT4-fs error (device mmcblk0p2): ext4_journal_check_start:83: Detected "
    "aborted journal\n"
    "2,904,9801270,-;EXT4-fs (mmcblk0p2): Remounting filesystem read-only\n"
)


def sick_machine(root: Path, cache: Path) -> None:
    """A Raspberry Pi in a hot cabinet on a sagging supply, its SD card remounted read-only."""
    files = {
        "sys/class/thermal/thermal_zone0/temp": "82712\n",
        # under-voltage now (0), throttled now (2), both since boot (16, 18), capped (1, 17)
        "sys/devices/platform/soc/soc:firmware/get_throttled": "50007\n",
        "proc/loadavg": "3.91 2.50 1.75 3/412 12345\n",
        "proc/meminfo": MEMINFO,
        "proc/uptime": "93784.21 301234.50\n",
        "proc/mounts": (
            "/dev/mmcblk0p2 / ext4 ro,noatime 0 0\n"
            "/dev/mmcblk0p1 /boot/firmware vfat rw,relatime 0 0\n"
            "tmpfs /run tmpfs rw,nosuid 0 0\n"
        ),
        "proc/net/route": ROUTE,
        "proc/net/wireless": WIRELESS,
        "sys/class/net/wlan0/operstate": "up\n",
        "dev/kmsg": KMSG,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    cache.mkdir(parents=True, exist_ok=True)


def nearly_full(_path: Path) -> Disk:
    return Disk(free_bytes=1_500_000_000, total_bytes=29_000_000_000)


def test_a_hot_throttled_under_voltage_machine_with_a_read_only_sd_card(tmp_path):
    root, cache = tmp_path / "root", tmp_path / "var/lib/videotron"
    sick_machine(root, cache)
    ran: list[list[str]] = []

    def run(argv):
        ran.append(argv)

    sample = read_machine(root, cache, run=run, disk=nearly_full)
    assert ran == []  # under a test root nothing runs on the host
    assert sample["temp_c"] == 82.7
    assert sample["throttled_bits"] == "0x50007"
    assert sample["under_voltage"] and sample["throttled"] and sample["freq_capped"]
    assert sample["under_voltage_since_boot"] and sample["throttled_since_boot"]
    assert not sample["soft_temp_limit"] and not sample["soft_temp_limit_since_boot"]
    assert (sample["load_1m"], sample["load_15m"]) == (3.91, 1.75)
    assert sample["mem_total_bytes"] == 3882924 * 1024
    assert sample["mem_available_bytes"] == 1941462 * 1024
    assert (sample["disk_free_bytes"], sample["disk_total_bytes"]) == (
        1_500_000_000,
        29_000_000_000,
    )
    # The cache is not under /boot/firmware: "/" holds it, and "/" is read-only.
    assert (sample["disk_mount"], sample["disk_device"], sample["sd_read_only"]) == (
        "/", "/dev/mmcblk0p2", True,
    )  # fmt: skip
    assert sample["io_errors"] == 5
    assert sample["uptime_s"] == 93784.21
    assert (sample["net_interface"], sample["net_link"]) == ("wlan0", "up")
    assert sample["wifi_signal_dbm"] == -69.0
    codes = {(w.code, w.level) for w in health_warnings(sample)}
    assert codes == {
        ("hot", "critical"),
        ("under_voltage", "critical"),
        ("throttled", "warning"),
        ("sd_read_only", "critical"),
        ("disk_low", "warning"),
        ("io_errors", "warning"),
    }
    text = "\n".join(machine_lines(sample))
    assert "82.7 °C" in text and "CRITICAL        too hot" in text
    assert "under-voltage now" in text and "read-only" in text and "Wi-Fi -69 dBm" in text


def test_a_cool_machine_warns_of_nothing(tmp_path):
    root, cache = tmp_path / "root", tmp_path / "cache"
    sick_machine(root, cache)
    (root / "sys/class/thermal/thermal_zone0/temp").write_text("48312\n")
    (root / "sys/devices/platform/soc/soc:firmware/get_throttled").write_text("0\n")
    (root / "proc/mounts").write_text("/dev/mmcblk0p2 / ext4 rw,noatime 0 0\n")
    (root / "dev/kmsg").write_text("6,1,1,-;mmc0: new high speed SDHC card\n")
    sample = read_machine(root, cache, disk=lambda _p: Disk(20_000, 100_000))
    assert sample["temp_c"] == 48.3 and sample["io_errors"] == 0
    assert not sample["under_voltage"] and sample["sd_read_only"] is False
    assert health_warnings(sample) == []


def test_a_machine_without_firmware_flags_or_kernel_log(tmp_path):
    """A PC-like root: no thermal zone, no firmware, no /dev/kmsg: None, not an error."""
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/loadavg").write_text("not numbers\n")
    sample = read_machine(tmp_path, tmp_path, disk=lambda _p: Disk(1, 2))
    assert sample["temp_c"] is None and "under_voltage" not in sample
    assert sample["io_errors"] is None and "load_1m" not in sample


@pytest.mark.parametrize(
    ("text", "bits"), [("throttled=0x50005\n", 0x50005), ("80008", 0x80008), ("0x0", 0)]
)
def test_throttled_text_from_sysfs_and_vcgencmd(text, bits):
    assert parse_throttled(text) == bits
    assert throttle_flags(0x80008)["soft_temp_limit"] and not throttle_flags(0)["throttled"]


def test_the_longest_mount_holds_the_cache_and_escapes_are_read():
    mounts = (
        "/dev/root / ext4 rw 0 0\n"
        "/dev/sda1 /var/lib/video\\040tron ext4 ro 0 0\n"
        "/dev/sda2 /var/lib ext4 rw 0 0\n"
    )
    assert mount_of(mounts, Path("/var/lib/video tron/media")) == (
        "/var/lib/video tron", "/dev/sda1", True,
    )  # fmt: skip
    assert mount_of(mounts, Path("/var/lib/videotron")) == ("/var/lib", "/dev/sda2", False)


def test_small_parsers():
    assert count_io_errors("usb 1-1: new device\nsd 0:0:0:0: [sda] critical medium error\n") == 1
    assert parse_wireless(WIRELESS.replace("-69.", "187.")) == {"wlan0": -69.0}
    assert parse_mmcli_signal("modem.generic.signal-quality.value : 67\n") == 67
    assert parse_mmcli_signal("modem.generic.signal-quality.value : --\n") is None


def test_the_real_machine_reads_without_error(tmp_path):
    """This machine, as a screen would read it: whatever it exposes, in the right ranges."""
    sample = read_machine(Path("/"), tmp_path)
    assert 0 < sample["disk_free_bytes"] <= sample["disk_total_bytes"]
    assert 0 < sample["mem_available_bytes"] <= sample["mem_total_bytes"]
    assert sample["load_1m"] >= 0 and sample["uptime_s"] > 0
    assert sample["disk_mount"].startswith("/") and isinstance(sample["sd_read_only"], bool)
    assert sample["temp_c"] is None or -40 < sample["temp_c"] < 150
    assert sample["io_errors"] is None or sample["io_errors"] >= 0


def test_the_sampler_writes_the_machine_section_with_the_card_link(tmp_path, caplog):
    root, cache = tmp_path / "root", tmp_path / "cache"
    sick_machine(root, cache)
    board = StatusBoard()
    board.update("brightness", link="not answering")
    sampler = HealthSampler(board, cache, root=root, clock=lambda: 1_800_000_000.0,
                            every=0.01, disk=nearly_full)  # fmt: skip
    stop, beats = threading.Event(), []

    def beat():
        beats.append(1)
        if len(beats) == 3:
            stop.set()

    with caplog.at_level("WARNING", logger="player.machine.sampler"):
        sampler.run(stop, beat)
    machine = board.get("machine")
    assert machine["controller_link"] == "not answering"
    assert machine["sampled_at"] == "2027-01-15T08:00:00Z"
    assert machine["temp_c"] == 82.7 and machine["sd_read_only"] is True
    # Three samples, each problem logged once when it appeared.
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 4 and sum("under-voltage" in m for m in said) == 1
