"""The wall switched off outside operating hours: the NovaStar card and HDMI-CEC, as they confirm.

The sending card is the emulated one on a pseudo-terminal; HDMI-CEC is a fake `cec-ctl` on
PATH that records its calls and answers as the real one prints (hardware we do not have).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from player.config.model import BrightnessConfig, Config, PowerConfig
from player.led.cec import CecDisplay, power_state
from player.led.controller import ControllerError
from player.led.keeper import BrightnessKeeper
from player.led.novastar import NovaStar
from player.led.power import WallPower, wall_wanted
from player.led.software import SoftwareDimmer
from player.service.board import StatusBoard
from player.service.statusview import render_summary
from tests.fixtures.content import publish_tree
from tests.fixtures.novastar import EmulatedNovaStar
from tests.fixtures.player import PlayerProcess

# What cec-ctl prints, in the shape v4l-utils' cec-ctl prints it.
FAKE_CEC_CTL = textwrap.dedent(
    """\
    #!{python}
    import json, os, sys, time
    folder = os.environ["FAKE_CEC_DIR"]
    with open(os.path.join(folder, "calls"), "a") as calls:
        calls.write(json.dumps(sys.argv[1:]) + "\\n")
    mode = open(os.path.join(folder, "mode")).read().strip() if os.path.exists(
        os.path.join(folder, "mode")) else "obedient"
    state_file = os.path.join(folder, "state")
    state = open(state_file).read().strip() if os.path.exists(state_file) else "standby"
    if mode == "hang":
        time.sleep(60)
    command = sys.argv[-1]
    print("Driver Info:\\n\\tDriver Name                : vc4_hdmi\\n")
    if command == "--give-device-power-status":
        print("Transmit from Playback Device 1 to TV (4 to 0):")
        print("CEC_MSG_GIVE_DEVICE_POWER_STATUS (0x8f)")
        if mode == "silent":
            print("\\tSequence: 7 Tx Timestamp: 101.2s\\n\\tTimeout waiting for reply")
            sys.exit(0)
        print("\\tSequence: 7 Tx Timestamp: 101.2s Rx Timestamp: 101.3s")
        print("\\tReceived from TV (0):")
        print("CEC_MSG_REPORT_POWER_STATUS (0x90):")
        code = {{"on": "0x00", "standby": "0x01"}}[state]
        print(f"\\tpwr-state: {{state}} ({{code}})")
    elif mode != "stubborn":
        with open(state_file, "w") as out:
            out.write("on" if command == "--image-view-on" else "standby")
        print("Transmit from Playback Device 1 to TV (4 to 0):")
        print("CEC_MSG_" + ("IMAGE_VIEW_ON (0x04)" if command == "--image-view-on"
                            else "STANDBY (0x36)"))
    """
)


@pytest.fixture
def cec(tmp_path, monkeypatch):
    """A fake cec-ctl first on PATH; returns its folder (calls, state, mode files)."""
    folder = tmp_path / "cec"
    folder.mkdir()
    program = folder / "cec-ctl"
    program.write_text(FAKE_CEC_CTL.format(python=sys.executable))
    program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_CEC_DIR", str(folder))
    return folder


def calls(folder: Path) -> list[list[str]]:
    path = folder / "calls"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def card():
    emulated = EmulatedNovaStar()
    yield emulated
    emulated.close()


def test_cec_power_is_the_state_the_display_reports(cec):
    display = CecDisplay(Path("/dev/cec0"))
    assert display.set_power(True) is True
    assert (cec / "state").read_text() == "on"
    assert display.set_power(False) is False
    assert calls(cec)[-2:] == [
        ["-d", "/dev/cec0", "--playback", "--to", "0", "--standby"],
        ["-d", "/dev/cec0", "--playback", "--to", "0", "--give-device-power-status"],
    ]
    (cec / "mode").write_text("stubborn")  # takes the standby, stays on
    (cec / "state").write_text("on")
    assert display.set_power(False) is True
    (cec / "mode").write_text("silent")
    with pytest.raises(ControllerError, match="did not report its power state"):
        display.set_power(True)


def test_a_hung_cec_ctl_is_cut_off_and_a_missing_one_named(cec, monkeypatch):
    (cec / "mode").write_text("hang")
    with pytest.raises(ControllerError, match=r"did not finish within 0\.5 s"):
        CecDisplay(Path("/dev/cec0"), timeout=0.5).set_power(True)
    monkeypatch.setenv("PATH", str(cec / "empty"))
    with pytest.raises(ControllerError, match="apt install v4l-utils"):
        CecDisplay(Path("/dev/cec0")).set_power(True)


def test_power_state_reads_each_answer():
    assert power_state("\tpwr-state: to-on (0x02)") is True
    assert power_state("\tpwr-state: to-standby (0x03)") is False
    assert power_state("Timeout waiting for reply") is None


def test_novastar_black_and_normal_are_confirmed_by_reading_the_mode_back(card):
    novastar = NovaStar(Path(card.path))
    try:
        assert novastar.set_power(False) is False and card.black
        assert novastar.set_power(True) is True and not card.black
        card.ignores_display_mode = True  # acknowledges, keeps showing
        assert novastar.set_power(False) is True
        card.answering = False
        with pytest.raises(ControllerError):
            novastar.set_power(False)
    finally:
        novastar.close()
    assert card.rejected == []


def test_wall_power_reports_what_the_device_says_and_retries(card):
    status = StatusBoard()
    power = WallPower(status, retry_every=5)
    novastar = NovaStar(Path(card.path))
    try:
        power.tick(0, novastar, want_on=False)
        assert status.get("power") | {"changed_at": None} == {
            "wanted": "off", "state": "off", "via": novastar.name, "error": None,
            "changed_at": None,
        }  # fmt: skip
        card.ignores_display_mode = True
        power.tick(1, novastar, want_on=True)  # the card goes normal...
        card.registers[0x02000100] = 0xFF  # ...but a technician's tool blacked it out
        power.tick(2, novastar, want_on=False)
        power.tick(3, novastar, want_on=True)
        section = status.get("power")
        assert section["state"] == "off" and section["wanted"] == "on"
        assert "asked to switch on but reports off" in section["error"]
        card.ignores_display_mode = False
        power.tick(4, novastar, want_on=True)  # not yet: the retry waits
        assert status.get("power")["state"] == "off"
        power.tick(8, novastar, want_on=True)
        assert status.get("power")["state"] == "on" and status.get("power")["error"] is None
    finally:
        novastar.close()


def test_the_keeper_switches_the_wall_as_the_render_loop_blanks_it(cec):
    status = StatusBoard()
    power = PowerConfig(switch="cec", cec_device=Path("/dev/cec1"))
    keeper = BrightnessKeeper(Config(power=power), status, SoftwareDimmer(), clock=lambda: 0.0)
    status.update("render", kind="off", screen="black")  # outside operating hours
    keeper.tick(1000.0)
    assert status.get("power")["state"] == "off" and (cec / "state").read_text() == "standby"
    status.update("render", kind="alert", screen="on")  # an emergency alert at night
    keeper.tick(1001.0)
    assert (
        status.get("power")["state"] == "on" and status.get("power")["via"] == "hdmi-cec /dev/cec1"
    )
    assert wall_wanted({}) is True  # before the render loop says anything: on


def test_power_switch_controller_without_a_card_is_an_error_in_the_log(caplog):
    status = StatusBoard()
    config = Config(power=PowerConfig(switch="controller"), brightness=BrightnessConfig())
    keeper = BrightnessKeeper(config, status, SoftwareDimmer(), clock=lambda: 0.0)
    keeper.tick(0.0)
    assert status.get("power")["via"] == "none"
    assert "brightness.controller is none" in caplog.text


def test_videotron_status_shows_the_confirmed_state_and_why_it_differs():
    status = StatusBoard()
    status.update("power", wanted="off", state="on", via="hdmi-cec /dev/cec0",
                  error="hdmi-cec /dev/cec0 was asked to switch off but reports on")  # fmt: skip
    text = render_summary({"power": status.get("power")}, dt.datetime.now(dt.UTC))
    assert "wall power      on (asked off) via hdmi-cec /dev/cec0" in text
    assert "was asked to switch off but reports on" in text


def test_a_running_player_switches_the_wall_with_its_operating_hours(cec, tmp_path, publisher_key):
    key_path, public_key = publisher_key
    site = tmp_path / "site"
    items = [{"id": "red", "type": "image", "color": [200, 0, 0], "duration": 60}]
    publish_tree(site, items, key_path)
    config = tmp_path / "player.yaml"

    def write(hours: str) -> None:
        config.write_text(yaml.safe_dump({
            "player": {"id": "led-1", "group": "test"},
            "source": {"url": str(site), "public_key": public_key, "poll_interval": 3600},
            "cache": {"dir": str(tmp_path / "cache")}, "runtime": {"dir": str(tmp_path / "run")},
            "display": {"size": "320x180", "fps": 10},
            "power": {"switch": "cec"}, "operating_hours": {"default": hours},
        }, sort_keys=False), encoding="utf-8")  # fmt: skip

    write("off")  # the screen is off all day: the wall must be in standby
    player = PlayerProcess(config, tmp_path / "run", tmp_path / "player.log")
    player.start()
    try:
        player.wait_for("the wall off", lambda s: s.get("power", {}).get("state") == "off", 60)
        assert ["-d", "/dev/cec0", "--playback", "--to", "0", "--standby"] in calls(cec)
        write("on")  # the technician's edit, applied live
        status = player.wait_for(
            "the wall on", lambda s: s.get("power", {}).get("state") == "on", 30
        )
        assert status["power"]["via"] == "hdmi-cec /dev/cec0"
        assert (cec / "state").read_text() == "on"
        assert player.stop() == 0
    finally:
        if player.proc is not None and player.proc.poll() is None:
            player.stop()
