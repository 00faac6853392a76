"""Each group's latest publish, checked as a screen checks it, and its schedule preview."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest

from central import publishes
from central.console import content, schedule_words
from player.wire.signing import KeyFileError
from tests.fixtures.content import publish_tree, write_key

JAKARTA = ZoneInfo("Asia/Jakarta")
PUBLISHED = dt.datetime(2024, 5, 1, 1, 0, tzinfo=dt.UTC)
ITEMS = [
    {"id": "psa-banjir", "type": "image", "duration": 8, "color": [200, 0, 0]},
    {"id": "berita", "type": "video", "seconds": 1.0},
    {"id": "himbauan", "type": "text", "text": "Jaga kebersihan", "duration": 5},
]
EVENING = {
    "name": "evening",
    "priority": 10,
    "schedule": {"windows": ["19:00-19:30"]},
    "items": [{"id": "konser", "type": "text", "text": "Konser malam ini", "duration": 45}],
}


@pytest.fixture
def published(tmp_path):
    """The group 'lobby' published and signed into tmp/site/lobby; (folder, public key)."""
    key, public = write_key(tmp_path / "keys" / "publisher.key")
    folder = tmp_path / "site" / "lobby"
    publish_tree(folder, ITEMS, key, group="lobby", extra={"playlists": [EVENING]},
                 now=PUBLISHED)  # fmt: skip
    return folder, public


def test_a_signed_publish_with_its_items_and_media_sizes(published):
    folder, public = published
    entry = publishes.read_publish("lobby", folder, public)
    assert entry["problems"] == []
    assert (entry["ok"], entry["signature"]) == (True, "valid")
    assert entry["published_at"] == PUBLISHED
    assert entry["sequence"] >= int(PUBLISHED.timestamp())
    items = {i["id"]: i for i in entry["items"]}
    assert list(items) == ["psa-banjir", "berita", "himbauan", "konser"]
    files = {p.name: p.stat().st_size for p in (folder / "media").iterdir()}
    assert entry["media_count"] == len(files) == 2
    assert entry["media_bytes"] == sum(files.values())
    assert items["psa-banjir"]["size"] == files[items["psa-banjir"]["media"]]
    assert (items["psa-banjir"]["kind"], items["psa-banjir"]["duration"]) == ("image", 8.0)
    assert items["berita"]["duration"] == pytest.approx(1.0, abs=0.1)  # the video's own length
    assert (items["himbauan"]["size"], items["himbauan"]["text"]) == (None, "Jaga kebersihan")
    assert entry["missing_media"] == 0 and all(i["present"] for i in entry["items"])
    assert [p["name"] for p in entry["playlists"]] == ["main", "evening"]
    assert publishes.latest_sequences([entry]) == {"lobby": entry["sequence"]}


def test_a_tampered_manifest_is_reported_not_trusted(published):
    folder, public = published
    path = folder / "manifest.json"
    path.write_bytes(path.read_bytes().replace(b"Jaga kebersihan", b"Jaga kebersihaN"))
    entry = publishes.read_publish("lobby", folder, public)
    assert (entry["ok"], entry["signature"]) == (False, "bad")
    assert "signature does not match" in entry["problems"][0]
    assert "publish again" in entry["problems"][0]
    assert publishes.latest_sequences([entry]) == {}


def test_a_manifest_signed_with_another_key_is_reported(published, tmp_path):
    folder, _ = published
    _, other = write_key(tmp_path / "keys" / "other.key")
    entry = publishes.read_publish("lobby", folder, other)
    assert entry["signature"] == "bad" and not entry["ok"]


def test_unsigned_missing_broken_and_misfiled_publishes(published, tmp_path):
    folder, public = published
    (folder / "manifest.json.sig").unlink()
    unsigned = publishes.read_publish("lobby", folder, public)
    assert (unsigned["ok"], unsigned["signature"]) == (False, "unsigned")
    assert "unsigned" in unsigned["problems"][0]
    # Without a key the office cannot check; that is said, not called a problem.
    unchecked = publishes.read_publish("lobby", folder, None)
    assert (unchecked["ok"], unchecked["signature"]) == (True, "unsigned")
    misfiled = publishes.read_publish("plaza", folder, None)
    assert (
        not misfiled["ok"]
        and "published for group 'lobby', not 'plaza'" in (misfiled["problems"][0])
    )
    missing = publishes.read_publish("lobby", tmp_path / "nowhere", public)
    assert not missing["ok"] and "not found" in missing["problems"][0]
    (folder / "manifest.json").write_text("{not json", encoding="utf-8")
    broken = publishes.read_publish("lobby", folder, None)
    assert not broken["ok"] and "not a valid manifest" in broken["problems"][0]
    (folder / "media").rename(folder / "gone")
    every = publishes.group_publishes({"lobby": folder, "aula": tmp_path / "x"}, public)
    assert [p["group"] for p in every] == ["aula", "lobby"]


def test_missing_media_files_are_counted(published):
    folder, public = published
    next((folder / "media").iterdir()).unlink()
    entry = publishes.read_publish("lobby", folder, public)
    assert entry["ok"] and entry["missing_media"] == 1
    assert sum(not i["present"] for i in entry["items"]) == 1


def test_the_public_key_comes_from_the_pub_file_or_the_private_key(tmp_path):
    key, public = write_key(tmp_path / "publisher.key")
    assert publishes.publisher_public_key(None) is None
    assert publishes.publisher_public_key(key) == public
    key.with_name("publisher.key.pub").write_text(f"public_key: {public}\n")
    assert publishes.publisher_public_key(key) == public
    key.with_name("publisher.key.pub").write_text(key.read_text())
    with pytest.raises(KeyFileError, match="PRIVATE"):
        publishes.publisher_public_key(key)


def videotron_schedule(tmp_path, manifest, at, hours, *extra):
    """What `videotron schedule` prints for a screen of the office's zone, always on."""
    config = tmp_path / "player.yaml"
    config.write_text("player:\n  timezone: Asia/Jakarta\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "videotron", "--config", str(config),
         "schedule", "--manifest", str(manifest), "--at", at, "--hours", hours, *extra],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def printed_rows(printed: str) -> list[list[str]]:
    """The rows of `videotron schedule`'s table (columns apart by two spaces or more)."""
    lines = printed.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("start "))
    rows = [line for line in lines[header + 1 :] if re.match(r"\w{3} \d{4}-\d\d-\d\d ", line)]
    return [re.split(r"\s{2,}", line.strip()) for line in rows]


@pytest.mark.parametrize("every_item", [False, True])
def test_the_preview_is_what_videotron_schedule_prints(published, tmp_path, every_item):
    folder, public = published
    entry = publishes.read_publish("lobby", folder, public)
    now = dt.datetime(2024, 5, 3, 18, 50, tzinfo=JAKARTA)  # the evening window opens at 19:00
    preview = content.schedule_preview(
        entry["manifest"], now=now, hours=1, tz=JAKARTA, every_item=every_item
    )
    printed = printed_rows(videotron_schedule(
        tmp_path, folder / "manifest.json", "2024-05-03T18:50:00+07:00", "1",
        *(["--every-item"] if every_item else []),
    ))  # fmt: skip
    assert len(preview["rows"]) == len(printed)
    for row, line in zip(preview["rows"], printed, strict=True):
        assert f"{row['start']:%a %Y-%m-%d %H:%M:%S}" == line[0]
        assert [row["kind"], row["playlist"]] == line[2:4]
        if every_item:
            assert line[4].startswith(row["items"][0] + " (")
        else:
            plays = f"{row['plays']} plays" if row["plays"] > 1 else "1 play"
            assert line[4] == f"{plays} of {', '.join(row['items'])}"
    assert {r["playlist"]: r["priority"] for r in preview["rows"]} == {"main": 0, "evening": 10}
    assert any(row["playlist"] == "evening" for row in preview["rows"])
    assert preview["now"]["playlist"] == "main"
    assert preview["start"] == now and preview["until"] == now + dt.timedelta(hours=1)


def test_the_preview_is_worded_in_the_readers_language(published):
    folder, public = published
    entry = publishes.read_publish("lobby", folder, public)
    now = dt.datetime(2024, 5, 3, 18, 50, tzinfo=JAKARTA)
    rows = content.schedule_preview(entry["manifest"], now=now, hours=1, tz=JAKARTA)["rows"]
    indonesian = schedule_words.preview_rows("id", rows)
    english = schedule_words.preview_rows("en", rows)
    assert indonesian[0]["start"] == "Jum 2024-05-03 18:50:00"
    assert english[0]["start"] == "Fri 2024-05-03 18:50:00"
    assert indonesian[0]["what"].endswith("tayangan: psa-banjir, berita, himbauan")
    assert english[0]["what"].endswith("plays: psa-banjir, berita, himbauan")
    assert indonesian[0]["length"] == "10 mnt 00 dtk" and english[0]["length"] == "10 min 00 s"
    assert indonesian[1]["what"] == "40 tayangan: konser"  # 45 s each for 30 minutes
    assert indonesian[1]["why"] == "prioritas 10, jam 19:00-19:30"
    assert english[1]["why"] == "priority 10, hours 19:00-19:30"
    assert [r["kind"] for r in indonesian] == ["tayang"] * len(rows)
    for line in indonesian:
        for english_word in ("plays", "priority", "playlist '", "6h00m"):
            assert english_word not in " ".join(line.values())


def test_the_preview_refuses_what_it_cannot_answer(published):
    folder, public = published
    manifest = publishes.read_publish("lobby", folder, public)["manifest"]
    with pytest.raises(ValueError, match="aware"):
        content.schedule_preview(manifest, now=dt.datetime(2024, 5, 3), hours=1, tz=JAKARTA)
    with pytest.raises(ValueError, match="at most"):
        content.schedule_preview(manifest, now=PUBLISHED, hours=1000, tz=JAKARTA)
