"""Every kind of bad config gets one `PATH:LINE:COL: key.path: message` line."""

from __future__ import annotations

from pathlib import Path

import pytest

from player.config.loader import ConfigError, load_config, parse_config_text

# (id, YAML text, line, key, text the message must contain). `{tmp}` is a temp folder
# holding garbage.pub, notpem.crt, notafont.ttf and folder/.
BAD_CONFIGS = [
    ("unclosed-quote", 'player:\n  id: "abc\ndisplay:\n  fps: 30\n', 2, "player.id", "quote"),
    ("missing-colon", "player:\n  id: x\n  group\ndisplay:\n  fps: 3\n", 3, "player.group", "':'"),
    ("unclosed-list", "player:\n  id: x\ndisplay:\n  size: [1, 2\n  fps: 3\n", 4, "display.size",
     "not closed"),
    ("bad-indent", "player:\n  id: x\n group: y\n", 3, "player.group", "indentation"),
    ("duplicate-key", "display:\n  fps: 30\n  size: auto\n  fps: 25\n", 4, "display.fps",
     "duplicate key 'fps' (first set on line 2)"),
    ("tab-indent", "player:\n  id: x\ndisplay:\n\tfps: 30\n", 4, "display.fps", "tab"),
    ("empty-file", "", 1, "(file)", "empty"),
    ("only-comments", "# player:\n#   id: x\n\n", 1, "(file)", "empty"),
    ("top-level-list", "- player\n- display\n", 1, "(top level)", "got a list"),
    ("top-level-text", "just some words\n", 1, "(top level)", "sections"),
    ("two-documents", "player:\n  id: x\n---\nplayer:\n  id: y\n", 3, "(top level)", "---"),
    ("control-char", "player:\n  id: a\x07b\n", 2, "player.id", "U+0007"),
    ("unknown-section", "player:\n  id: a\ndispaly:\n  fps: 30\n", 3, "dispaly",
     "did you mean display?"),
    ("unknown-key", "display:\n  size: auto\n  fsp: 30\n", 3, "display.fsp",
     "did you mean display.fps?"),
    ("key-in-wrong-section", "player:\n  id: a\n  fps: 30\n", 3, "player.fps",
     "did you mean display.fps? (it belongs under display:)"),
    ("setting-at-top-level", "timezone: Asia/Jakarta\n", 1, "timezone",
     "did you mean player.timezone?"),
    ("unknown-day", 'operating_hours:\n  mon: ["06:00-22:00"]\n  senin: ["06:00-22:00"]\n', 3,
     "operating_hours.senin", "did you mean mon?"),
    ("unknown-region-key", "display:\n  region:\n    x: 0\n    y: 0\n    w: 10\n    h: 10\n"
     "    z: 1\n", 7, "display.region.z", "unknown key 'z'"),
    ("section-not-mapping", "player: pemkot-01\n", 1, "player", "indented below 'player:'"),
    ("int-wrong-type", "display:\n  fps: fast\n", 2, "display.fps", "expected a whole number"),
    ("int-out-of-range", "display:\n  fps: 500\n", 2, "display.fps", "from 1 to 120"),
    ("empty-value", "display:\n  fps:\n", 2, "display.fps", "needs a value (default: 30)"),
    ("bool-wrong-type", "source:\n  allow_unsigned: maybe\n", 2, "source.allow_unsigned",
     "true or false"),
    ("poll-too-often", "source:\n  poll_interval: 1\n", 2, "source.poll_interval",
     "from 5s to 86400s"),
    ("poll-bad-unit", "source:\n  poll_interval: 5 weeks\n", 2, "source.poll_interval",
     "5m"),
    ("id-with-space", "player:\n  id: Alun alun 01\n", 2, "player.id", "no spaces"),
    ("timezone-typo", "player:\n  timezone: Asia/Jakart\n", 2, "player.timezone",
     "did you mean Asia/Jakarta?"),
    ("timezone-nickname", "player:\n  id: x\n  timezone: WITA\n", 3, "player.timezone",
     "did you mean Asia/Makassar?"),
    ("url-scheme", "source:\n  allow_unsigned: true\n  url: ftp://cms.example.go.id/m.json\n",
     3, "source.url", "'ftp'"),
    ("url-no-host", 'source:\n  allow_unsigned: true\n  url: "https:///manifest.json"\n', 3,
     "source.url", "no host"),
    ("url-bad-port", "source:\n  allow_unsigned: true\n  url: https://cms:99999/m.json\n", 3,
     "source.url", "bad port"),
    ("url-missing-scheme", "source:\n  allow_unsigned: true\n  url: cms.example.go.id/m.json\n",
     3, "source.url", "add https://"),
    ("url-relative-folder", "source:\n  allow_unsigned: true\n  url: media/usb\n", 3,
     "source.url", "absolute folder path"),
    ("url-without-key", "source:\n  url: https://cms.example.go.id/m.json\n", 2,
     "source.public_key", "allow_unsigned"),
    ("key-wrong-length", "source:\n  public_key: aGVsbG8=\n", 2, "source.public_key",
     "32 bytes"),
    ("key-file-missing", "source:\n  public_key: /nonexistent/publisher.pub\n", 2,
     "source.public_key", "/nonexistent/publisher.pub does not exist"),
    ("key-file-garbage", "source:\n  public_key: {tmp}/garbage.pub\n", 2, "source.public_key",
     "does not hold an Ed25519 public key"),
    ("ca-missing", "source:\n  ca_bundle: missing-ca.pem\n", 2, "source.ca_bundle",
     "{tmp}/missing-ca.pem does not exist"),
    ("ca-is-folder", "mqtt:\n  ca_bundle: {tmp}/folder\n", 2, "mqtt.ca_bundle", "is a folder"),
    ("ca-not-pem", "source:\n  ca_bundle: {tmp}/notpem.crt\n", 2, "source.ca_bundle",
     "not a PEM CA bundle"),
    ("font-not-font", "display:\n  font: {tmp}/notafont.ttf\n", 2, "display.font",
     "not a TrueType/OpenType font"),
    ("size-bad-unit", "cache:\n  max_size: 8 GBs\n", 2, "cache.max_size", "8GB, 500MB"),
    ("size-too-small", "cache:\n  max_size: 10KB\n", 2, "cache.max_size", "out of range"),
    ("display-size-format", "display:\n  size: 1920*1080\n", 2, "display.size", "WIDTHxHEIGHT"),
    ("region-outside", "display:\n  size: 1920x1080\n  region: {x: 1000, y: 0, w: 1000, h: 90}\n",
     3, "display.region", "does not fit inside display.size 1920x1080"),
    ("region-missing-h", "display:\n  region: {x: 0, y: 0, w: 100}\n", 2, "display.region",
     "missing h"),
    ("region-negative", "display:\n  region: [0, -5, 100, 100]\n", 2, "display.region",
     "y -5 is out of range"),
    ("rotation", "display:\n  rotation: 45\n", 2, "display.rotation", "0, 90, 180, 270"),
    ("fit-typo", "display:\n  fit: covr\n", 2, "display.fit", "did you mean cover?"),
    ("color-short", 'display:\n  background: "#12345"\n', 2, "display.background", "#1a2b3c"),
    ("color-unquoted", "display:\n  background: #000000\n", 2, "display.background",
     "must be in quotes"),
    ("color-out-of-range", "display:\n  background: [0, 300, 0]\n", 2, "display.background",
     "300 is out of range"),
    ("driver", "display:\n  driver: fbcon\n", 2, "display.driver", "kmsdrm"),
    ("mqtt-scheme", "mqtt:\n  url: tcp://broker.local\n", 2, "mqtt.url", "use mqtt://"),
    ("mqtt-no-host", 'mqtt:\n  url: "mqtts://:8883"\n', 2, "mqtt.url", "no host"),
    ("mqtt-bad-port", "mqtt:\n  url: mqtt://broker:70000\n", 2, "mqtt.url", "bad port"),
    ("mqtt-password-only", "mqtt:\n  url: mqtt://broker\n  password: rahasia\n", 3,
     "mqtt.password", "mqtt.username"),
    ("topic-wildcard", "mqtt:\n  topic_prefix: videotron/#\n", 2, "mqtt.topic_prefix", "'#'"),
    ("hours-bad-time", 'operating_hours:\n  mon: ["06:00-25:00"]\n', 2, "operating_hours.mon",
     "end 25:00 is not a time"),
    ("hours-bad-item", 'operating_hours:\n  fri:\n    - "05:30-11:30"\n    - "13:30"\n', 4,
     "operating_hours.fri", "like \"06:00-22:00\""),
    ("hours-empty-window", 'operating_hours:\n  sat: "08:00-08:00"\n', 2,
     "operating_hours.sat", "is empty"),
    ("hours-not-mapping", 'operating_hours: "06:00-22:00"\n', 1, "operating_hours",
     "expected days"),
    ("log-level", "log:\n  level: verbose\n", 2, "log.level", "DEBUG, INFO, WARNING, ERROR"),
    ("batch-over-cap", "report:\n  max_records: 1000\n  batch_size: 5000\n", 3,
     "report.batch_size", "more than report.max_records"),
    ("max-records-range", "report:\n  max_records: 10\n", 2, "report.max_records",
     "from 1000 to"),
]  # fmt: skip


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "garbage.pub").write_text("this is not a key\n")
    (tmp_path / "notpem.crt").write_text("hello\n")
    (tmp_path / "notafont.ttf").write_bytes(b"GIF89a not a font")
    (tmp_path / "folder").mkdir()
    return tmp_path


def _only_issue(text: str, path: Path):
    with pytest.raises(ConfigError) as caught:
        parse_config_text(text, path)
    issues = caught.value.issues
    assert len(issues) == 1, "\n".join(map(str, issues))
    return issues[0]


def test_the_table_is_big_enough():
    assert len({case[0] for case in BAD_CONFIGS}) == len(BAD_CONFIGS) >= 25


@pytest.mark.parametrize(
    ("text", "line", "key", "fragment"),
    [case[1:] for case in BAD_CONFIGS],
    ids=[case[0] for case in BAD_CONFIGS],
)
def test_bad_config_is_reported_at_its_line_and_key(files, text, line, key, fragment):
    path = files / "player.yaml"
    issue = _only_issue(text.replace("{tmp}", str(files)), path)
    line_text = str(issue)
    assert issue.line == line, line_text
    assert issue.key == key, line_text
    assert fragment.replace("{tmp}", str(files)) in issue.message, line_text
    assert line_text.startswith(f"{path}:{line}:{issue.col}: {key}: "), line_text
    assert issue.col >= 1


def test_column_points_at_the_value(tmp_path):
    issue = _only_issue("display:\n  fps:   500\n", tmp_path / "p.yaml")
    assert (issue.line, issue.col) == (2, 10)


def test_unknown_key_column_points_at_the_key(tmp_path):
    issue = _only_issue("display:\n    fsp: 30\n", tmp_path / "p.yaml")
    assert (issue.line, issue.col) == (2, 5)


@pytest.mark.parametrize(
    ("data", "line", "col", "fragment"),
    [
        (b"player:\n  id: caf\xe9\n", 2, 10, "0xe9 is not UTF-8"),
        (b"player:\n  id: x\n\x89PNG\x00\x00\x01", 3, 5, "binary"),
        ("player:\n  id: x\n".encode("utf-16"), 1, 1, "UTF-16"),
        ("player:\n  id: x\n".encode("utf-16-le"), 1, 2, "binary (or UTF-16)"),
    ],
    ids=["latin-1", "binary", "utf-16", "utf-16-no-bom"],
)
def test_unreadable_bytes_are_located(tmp_path, data, line, col, fragment):
    path = tmp_path / "player.yaml"
    path.write_bytes(data)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    (issue,) = caught.value.issues
    assert (issue.line, issue.col, issue.key) == (line, col, "(file)")
    assert fragment in issue.message
    assert str(issue).startswith(f"{path}:{line}:{col}: (file): ")


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "player.yaml"
    path.write_bytes("\ufeffplayer:\n  id: layar-01\n".encode())
    assert load_config(path).player.id == "layar-01"


def test_every_error_is_collected_in_one_pass(tmp_path):
    text = (
        "player:\n"
        "  timezone: Asia/Jakart\n"  # 2
        "display:\n"
        "  fps: 0\n"  # 4
        "  rotation: 90\n"
        "log:\n"
        "  levle: INFO\n"  # 7
    )
    with pytest.raises(ConfigError) as caught:
        parse_config_text(text, tmp_path / "p.yaml")
    issues = caught.value.issues
    assert [(i.line, i.key) for i in issues] == [
        (2, "player.timezone"),
        (4, "display.fps"),
        (7, "log.levle"),
    ]
    assert "did you mean log.level?" in issues[2].message
    assert str(caught.value).count("\n") == 2


def test_every_tab_indented_line_is_reported(tmp_path):
    text = "player:\n\tid: x\ndisplay:\n  fps: 30\n\tsize: auto\n"
    with pytest.raises(ConfigError) as caught:
        parse_config_text(text, tmp_path / "p.yaml")
    assert [(i.line, i.col, i.key) for i in caught.value.issues] == [
        (2, 1, "player.id"),
        (5, 1, "display.size"),
    ]
    assert all("tab" in i.message for i in caught.value.issues)


def test_missing_file_says_where_it_looked_and_how_to_create_it(tmp_path):
    path = tmp_path / "etc" / "player.yaml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: (file): config file not found")
    assert f"install -D -m 0640 -g videotron config/player.yaml {path}" in message
    assert "VIDEOTRON_CONFIG" in message


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(ConfigError, match="is a folder"):
        load_config(tmp_path)


def test_recursive_alias_is_refused_quickly(tmp_path):
    with pytest.raises(ConfigError) as caught:
        parse_config_text("player: &p\n  id: [*p, *p, *p]\n", tmp_path / "p.yaml")
    messages = [str(i) for i in caught.value.issues]
    assert sum("nested too deep" in m for m in messages) == 1
    assert any(m.startswith(f"{tmp_path / 'p.yaml'}:2:7: player.id:") for m in messages)


def test_a_huge_file_is_not_read_whole(tmp_path):
    path = tmp_path / "video.mp4"
    path.write_bytes(b"player:\n  id: x\n" + b"#" * (2 << 20))
    with pytest.raises(ConfigError, match="is this really the player config"):
        load_config(path)
