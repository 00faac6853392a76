"""Good configs load into the typed model; defaults, units, hours and masking behave."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
from pathlib import Path

import certifi
import nacl.signing
import pygame
import pytest
import yaml

from player.config import model, schema
from player.config.hours import ALL_DAY
from player.config.loader import MASK, load_config, mask_secrets, parse_config_text
from player.wire.secret import Secret

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "config" / "player.yaml"
FONT = Path(pygame.__file__).parent / "freesansbold.ttf"


def _t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def test_schema_covers_every_model_field():
    fields = {
        f"{section.name}.{f.name}"
        for section in dataclasses.fields(model.Config)
        if section.name in schema.SECTION_TYPES
        for f in dataclasses.fields(schema.SECTION_TYPES[section.name])
    }
    assert set(schema.SETTINGS_BY_PATH) == fields | {"operating_hours"}
    assert all(s.doc for s in schema.SETTINGS)


def test_schema_defaults_are_the_model_defaults():
    defaults = model.Config()
    for setting in schema.SETTINGS:
        section, _, key = setting.path.partition(".")
        actual = getattr(getattr(defaults, section), key) if key else getattr(defaults, section)
        assert actual == setting.default, setting.path


def test_shipped_config_loads_and_equals_the_defaults():
    config = load_config(SHIPPED)
    assert config == dataclasses.replace(model.Config(), path=SHIPPED)


def test_shipped_config_spells_out_every_setting_with_a_comment():
    tree = yaml.safe_load(SHIPPED.read_text())
    lines = SHIPPED.read_text().splitlines()
    for setting in schema.SETTINGS:
        section, _, key = setting.path.partition(".")
        assert section in tree, setting.path
        if key:
            assert key in tree[section], setting.path
            line = next(ln for ln in lines if ln.strip().startswith(f"{key}:"))
            assert "#" in line, f"{setting.path} has no comment"


def test_every_setting_round_trips(tmp_path):
    raw_key = nacl.signing.SigningKey.generate().verify_key.encode()
    key_b64 = base64.b64encode(raw_key).decode()
    text = f"""
player:
  id: pemkot-alun-alun-01
  group: kota-bandung
  timezone: Asia/Makassar
source:
  url: https://cms.example.go.id/groups/kota/manifest.json
  public_key: {key_b64}
  allow_unsigned: false
  token: 0012345
  ca_bundle: {certifi.where()}
  poll_interval: 2m
cache:
  dir: cache
  max_size: 1.5GiB
display:
  size: 1920x1080
  region: [0, 0, 768, 384]
  rotation: 90
  fit: cover
  background: "#1a2B3c"
  fps: 25
  driver: kmsdrm
  font: {FONT}
mqtt:
  url: mqtts://broker.example.go.id:8883
  username: layar01
  password: rahasia
  topic_prefix: diskominfo/videotron
  ca_bundle: {certifi.where()}
operating_hours:
  weekdays: ["05:30-23:00"]
  weekend: off
  fri: ["05:30-11:30", "13:30-01:00"]
schedule:
  aligned: true
report:
  max_records: 10000
  batch_size: 50
runtime:
  dir: /tmp/videotron-run
log:
  level: warn
"""
    path = tmp_path / "player.yaml"
    config = parse_config_text(text, path)
    assert config.path == path
    assert config.player == model.PlayerConfig(
        "pemkot-alun-alun-01", "kota-bandung", "Asia/Makassar"
    )
    assert config.source == model.SourceConfig(
        url="https://cms.example.go.id/groups/kota/manifest.json",
        public_key=key_b64,
        allow_unsigned=False,
        token=Secret("0012345"),  # text, not the octal number YAML 1.1 would make of it
        ca_bundle=Path(certifi.where()),
        poll_interval=120.0,
    )
    assert config.cache == model.CacheConfig(dir=tmp_path / "cache", max_size=1610612736)
    assert config.display == model.DisplayConfig(
        size=(1920, 1080),
        region=model.Region(0, 0, 768, 384),
        rotation=90,
        fit="cover",
        background=(0x1A, 0x2B, 0x3C),
        fps=25,
        driver="kmsdrm",
        font=FONT,
    )
    assert config.mqtt == model.MqttConfig(
        url="mqtts://broker.example.go.id:8883",
        username="layar01",
        password=Secret("rahasia"),
        topic_prefix="diskominfo/videotron",
        ca_bundle=Path(certifi.where()),
    )
    weekday = (model.TimeWindow(_t("05:30"), _t("23:00")),)
    friday = (
        model.TimeWindow(_t("05:30"), _t("11:30")),
        model.TimeWindow(_t("13:30"), _t("01:00")),
    )
    assert config.operating_hours.days == {0: weekday, 1: weekday, 2: weekday, 3: weekday,
                                           4: friday, 5: (), 6: ()}  # fmt: skip
    assert config.schedule.aligned is True
    assert config.report == model.ReportConfig(max_records=10000, batch_size=50)
    assert config.runtime.dir == Path("/tmp/videotron-run")
    assert config.log.level == "WARNING"


def test_public_key_from_a_pub_file(tmp_path):
    raw = nacl.signing.SigningKey.generate().verify_key.encode()
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "publisher.pub").write_text(base64.b64encode(raw).decode() + "\n")
    text = "source:\n  url: /media/usb/videotron\n  public_key: keys/publisher.pub\n"
    config = parse_config_text(text, tmp_path / "player.yaml")
    assert base64.b64decode(config.source.public_key) == raw
    assert config.source.url == "/media/usb/videotron"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("8GB", 8 * 1000**3), ("500MB", 500 * 1000**2), ("500 mb", 500 * 1000**2),
     ("1.5GiB", 1610612736), ("2TB", 2 * 1000**4), ("64MiB", 64 * 1024**2),
     ("123456789", 123456789), (123456789, 123456789)],
)  # fmt: skip
def test_cache_size_units(tmp_path, value, expected):
    text = (
        f"cache:\n  max_size: {value!r}\n"
        if isinstance(value, str)
        else f"cache:\n  max_size: {value}\n"
    )
    assert parse_config_text(text, tmp_path / "p.yaml").cache.max_size == expected


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("300", 300.0), ("90s", 90.0), ("5m", 300.0), ("1h", 3600.0), ("7.5", 7.5)],
)
def test_poll_interval_units(tmp_path, value, seconds):
    config = parse_config_text(f"source:\n  poll_interval: {value}\n", tmp_path / "p.yaml")
    assert config.source.poll_interval == seconds


def test_region_as_mapping_and_colors_as_lists(tmp_path):
    text = "display:\n  region: {x: 10, y: 20, w: 300, h: 200}\n  background: [255, 128, 0]\n"
    config = parse_config_text(text, tmp_path / "p.yaml")
    assert config.display.region == model.Region(10, 20, 300, 200)
    assert config.display.background == (255, 128, 0)


def test_hours_most_specific_day_wins_and_unlisted_days_stay_on(tmp_path):
    text = (
        "operating_hours:\n"
        '  default: ["06:00-22:00"]\n'
        "  weekend: off\n"
        '  sun: "18:00-24:00"\n'
        "  wed: on\n"
    )
    hours = parse_config_text(text, tmp_path / "p.yaml").operating_hours
    day = (model.TimeWindow(_t("06:00"), _t("22:00")),)
    assert hours.days == {
        0: day, 1: day, 2: ALL_DAY, 3: day, 4: day, 5: (),
        6: (model.TimeWindow(_t("18:00"), _t("00:00")),),
    }  # fmt: skip
    assert not hours.always_on
    only_monday = parse_config_text("operating_hours:\n  mon: []\n", tmp_path / "p.yaml")
    assert only_monday.operating_hours.days[0] == ()
    assert all(only_monday.operating_hours.days[i] == ALL_DAY for i in range(1, 7))


@pytest.mark.parametrize("text", ["operating_hours:\n", "operating_hours: {}\n",
                                  "operating_hours:\n  default: on\n",
                                  'operating_hours:\n  default: "00:00-24:00"\n'])  # fmt: skip
def test_hours_that_are_always_on_are_the_default(tmp_path, text):
    assert parse_config_text(text, tmp_path / "p.yaml").operating_hours.always_on


def test_empty_sections_and_optional_values_mean_defaults(tmp_path):
    text = "player:\nmqtt:\n  url:\n  username: ''\ndisplay:\n  size: auto\n  region:\n"
    config = parse_config_text(text, tmp_path / "p.yaml")
    assert config == dataclasses.replace(model.Config(), path=tmp_path / "p.yaml")


def test_default_dirs_need_not_exist(tmp_path):
    text = "cache:\n  dir: /nonexistent/videotron/cache\nruntime:\n  dir: /nonexistent/run\n"
    config = parse_config_text(text, tmp_path / "p.yaml")
    assert config.cache.dir == Path("/nonexistent/videotron/cache")


def test_mask_secrets_hides_tokens_passwords_and_url_logins(tmp_path):
    text = (
        "source:\n  url: https://admin:hunter2@cms.example.go.id/m.json\n"
        "  allow_unsigned: true\n  token: s3cret-token\n"
        "mqtt:\n  url: mqtt://broker:1883\n  username: layar\n  password: rahasia\n"
    )
    shown = mask_secrets(parse_config_text(text, tmp_path / "p.yaml"))
    flat = repr(shown)
    for secret in ("hunter2", "s3cret-token", "rahasia"):
        assert secret not in flat
    assert shown["source"]["token"] == MASK
    assert shown["mqtt"]["password"] == MASK
    assert shown["source"]["url"] == f"https://admin:{MASK}@cms.example.go.id/m.json"
    assert shown["mqtt"]["username"] == "layar"
    assert shown["operating_hours"] == "always on"
    unset = mask_secrets(model.Config())
    assert unset["source"]["token"] is None and unset["mqtt"]["password"] is None


def test_a_loaded_config_never_shows_its_secrets(tmp_path):
    # A traceback or a log line prints the config's repr: the password must not be in it.
    text = (
        "source:\n  url: /media/usb\n  allow_unsigned: true\n  token: s3cret-token\n"
        "mqtt:\n  url: mqtt://broker:1883\n  username: layar\n  password: rahasia\n"
    )
    config = parse_config_text(text, tmp_path / "p.yaml")
    for shown in (repr(config), str(config), f"{config.mqtt.password}", str(config.source.token)):
        assert "rahasia" not in shown and "s3cret-token" not in shown
        assert MASK in shown
    assert config.mqtt.password.reveal() == "rahasia"
    assert config.source.token.reveal() == "s3cret-token"


def test_yaml_1_1_surprises_do_not_reach_the_player(tmp_path):
    text = (
        "player:\n  id: 0012\n"  # would be octal 10
        "display:\n  fps: 030\n  rotation: 90.0\n  background: 000000\n"
        "operating_hours:\n  mon: off\n  tue: 06:00-22:00\n"  # off would be false
    )
    config = parse_config_text(text, tmp_path / "p.yaml")
    assert config.player.id == "0012"
    assert config.display.fps == 30
    assert config.display.rotation == 90 and isinstance(config.display.rotation, int)
    assert config.display.background == (0, 0, 0)
    assert config.operating_hours.days[0] == ()
    assert config.operating_hours.days[1] == (model.TimeWindow(_t("06:00"), _t("22:00")),)


def test_the_pub_file_and_the_line_keygen_writes_are_both_accepted(tmp_path):
    from player.wire.signing import generate_keypair, public_key_b64, public_key_text

    key, _ = generate_keypair()
    (tmp_path / "publisher.key.pub").write_text(public_key_text(key))  # what keygen writes
    text = "source:\n  url: /media/usb/videotron\n  public_key: publisher.key.pub\n"
    assert parse_config_text(text, tmp_path / "player.yaml").source.public_key == (
        public_key_b64(key)
    )
    pasted = f'source:\n  url: /x\n  public_key: "{public_key_text(key).strip()}"\n'
    assert parse_config_text(pasted, tmp_path / "player.yaml").source.public_key == (
        public_key_b64(key)
    )
