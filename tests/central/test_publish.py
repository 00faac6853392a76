"""The publisher: authoring YAML in, a verified, content-addressed tree out."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import av
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central import feeds as office_feeds
from central.publish import PublishError, publish, verify_media_file
from player.wire.manifest import DailyWindow, ManifestError
from player.wire.parse import parse
from player.wire.signing import SignatureError, generate_keypair, public_key_text, verify
from tests.fixtures.content import publish_tree
from tests.fixtures.media import make_h264, make_image

NOW = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)

ISSUE_YAML = """\
group: bogor-city
playlists:
  - name: main
    priority: 0
    items:
      - {id: psa-water, type: image, file: media/water.jpg, duration: 10}
      - {id: agency-video, type: video, file: media/agency.mp4}
      - {id: notice, type: text, text: "Layanan pengaduan online: lapor.go.id", duration: 8}
  - name: morning
    priority: 10
    schedule: {days: [mon, tue, wed, thu, fri], from: "06:00", until: "09:00"}
    items:
      - {id: clock, type: clock, duration: 5}
ticker:
  lines: ["Selamat datang di Kabupaten Bogor"]
  feeds: [{url: "https://example.org/rss", refresh: 600}]
"""


@pytest.fixture
def authoring(tmp_path: Path) -> Path:
    """The issue's example playlist with a real JPEG and a real H.264 clip beside it."""
    src = tmp_path / "src"
    make_image(src / "media" / "water.jpg", color=(0, 128, 255))
    make_h264(src / "media" / "agency.mp4", seconds=1.0)
    (src / "playlist.yaml").write_text(ISSUE_YAML)
    return src / "playlist.yaml"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publish_verify_parse_gives_the_authored_content(authoring, tmp_path, publisher_key):
    key_path, public = publisher_key
    out = tmp_path / "out"
    summary = publish(authoring, out, key_path, NOW)
    data = (out / "manifest.json").read_bytes()
    verify(data, (out / "manifest.json.sig").read_bytes(), public)
    manifest = parse(data)

    water, agency = authoring.parent / "media/water.jpg", authoring.parent / "media/agency.mp4"
    assert manifest.group == "bogor-city"
    assert manifest.published_at == NOW
    assert [(p.name, p.priority) for p in manifest.playlists] == [("main", 0), ("morning", 10)]
    psa, video, notice = manifest.playlists[0].items
    assert (psa.id, psa.type, psa.duration, psa.media) == ("psa-water", "image", 10.0, sha(water))
    assert (video.type, video.duration, video.media) == ("video", None, sha(agency))
    assert (notice.text, notice.duration) == ("Layanan pengaduan online: lapor.go.id", 8.0)
    morning = manifest.playlists[1]
    assert morning.rules.days == frozenset(range(5))
    assert morning.rules.windows == (DailyWindow(dt.time(6), dt.time(9)),)
    assert morning.items[0].type == "clock" and morning.items[0].duration == 5.0
    assert manifest.layout.ticker.lines == ("Selamat datang di Kabupaten Bogor",)
    # The office reads the feed (`videotron feeds`): screens get its approved headlines
    # signed, and there are none before anyone approved one.
    assert manifest.layout.ticker.feeds == ()
    assert manifest.layout.ticker.headlines == ()

    image_media, video_media = manifest.media[sha(water)], manifest.media[sha(agency)]
    assert (image_media.type, image_media.width, image_media.height) == ("image", 320, 180)
    assert image_media.codec == "jpeg" and image_media.size == water.stat().st_size
    assert (video_media.type, video_media.codec) == ("video", "h264")
    assert video_media.duration == pytest.approx(1.0, abs=0.05)
    for media in manifest.media.values():
        assert media.url == f"media/{media.sha256}"
        stored = out / media.url
        assert sha(stored) == media.sha256
        verify_media_file(stored, media)
    assert (summary.items, summary.media, summary.new_files, summary.reused_files) == (4, 2, 2, 0)
    assert summary.new_bytes == water.stat().st_size + agency.stat().st_size
    # The publish lock's file stays (a dot file no screen asks for): taking a lock on a
    # file another publisher may be about to remove would lock nothing.
    assert sorted(p.name for p in out.iterdir()) == [
        ".publish.lock", "manifest.json", "manifest.json.sig", "media",
    ]  # fmt: skip


def test_one_flipped_byte_anywhere_is_detected(authoring, tmp_path, publisher_key):
    key_path, public = publisher_key
    out = tmp_path / "out"
    publish(authoring, out, key_path, NOW)
    data = (out / "manifest.json").read_bytes()
    sig = (out / "manifest.json.sig").read_bytes()
    manifest = parse(data)

    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x04
    with pytest.raises(SignatureError):
        verify(bytes(flipped), sig, public)
    flipped_sig = bytearray(sig)
    flipped_sig[5] = ord("A") if flipped_sig[5] != ord("A") else ord("B")
    with pytest.raises(SignatureError):
        verify(data, bytes(flipped_sig), public)
    for media in manifest.media.values():
        stored = out / media.url
        blob = bytearray(stored.read_bytes())
        blob[len(blob) // 3] ^= 0x01
        stored.write_bytes(blob)
        with pytest.raises(ManifestError, match="does not match its sha256"):
            verify_media_file(stored, media)


def test_republish_changes_only_sequence_and_published_at(authoring, tmp_path, publisher_key):
    key_path, _ = publisher_key
    out = tmp_path / "out"
    publish(authoring, out, key_path, NOW)
    first = json.loads((out / "manifest.json").read_bytes())
    media_times = {p.name: p.stat().st_mtime_ns for p in (out / "media").iterdir()}
    later = NOW + dt.timedelta(minutes=5)
    summary = publish(authoring, out, key_path, later)
    second = json.loads((out / "manifest.json").read_bytes())
    assert second["sequence"] > first["sequence"]
    assert second["published_at"] == "2024-05-01T08:05:00+00:00"
    for changed in ("sequence", "published_at"):
        first.pop(changed), second.pop(changed)
    assert first == second
    assert (summary.new_files, summary.reused_files, summary.new_bytes) == (0, 2, 0)
    assert {p.name: p.stat().st_mtime_ns for p in (out / "media").iterdir()} == media_times


def test_sequence_grows_by_one_even_when_the_clock_does_not(authoring, tmp_path):
    out = tmp_path / "out"
    sequences = [publish(authoring, out, None, NOW).sequence for _ in range(3)]
    assert sequences[1:] == [sequences[0] + 1, sequences[0] + 2]
    assert sequences[0] >= int(NOW.timestamp())  # a fresh folder still beats older publishes


def test_unsigned_publish_removes_a_stale_signature(authoring, tmp_path, publisher_key):
    out = tmp_path / "out"
    publish(authoring, out, publisher_key[0], NOW)
    assert (out / "manifest.json.sig").exists()
    assert publish(authoring, out, None, NOW).signed is False
    assert not (out / "manifest.json.sig").exists()


def test_failed_publish_leaves_the_previous_tree_untouched(authoring, tmp_path, publisher_key):
    out = tmp_path / "out"
    publish(authoring, out, publisher_key[0], NOW)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    authoring.write_text(ISSUE_YAML.replace("duration: 8", "duration: 0"))
    with pytest.raises(PublishError):
        publish(authoring, out, publisher_key[0], NOW)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def _publish_error(authoring: Path, out: Path, text: str) -> str:
    authoring.write_text(text)
    with pytest.raises(PublishError) as caught:
        publish(authoring, out, None, NOW)
    assert not (out / "manifest.json").exists()
    return str(caught.value)


CAMPAIGN_YAML = """\
campaigns:
  - id: imunisasi
    partner: Dinas Kesehatan
    goal: {plays_per_day: 480}
    schedule: {valid_from: 2024-05-01, valid_until: 2024-05-31}
    items:
      - {id: imunisasi-15s, type: image, file: media/water.jpg, duration: 15}
"""


def test_campaigns_are_published_and_an_impossible_plan_is_refused_with_numbers(
    authoring, tmp_path
):
    authoring.write_text(ISSUE_YAML + CAMPAIGN_YAML)
    summary = publish(authoring, tmp_path / "out", None, NOW)
    (campaign,) = parse(summary.manifest_path.read_bytes()).campaigns
    assert (campaign.id, campaign.partner, campaign.goal.plays_per_day) == (
        "imunisasi", "Dinas Kesehatan", 480
    )  # fmt: skip
    assert [item.id for item in campaign.items] == ["imunisasi-15s"]
    assert summary.items == 4 + 1
    evening = """\
  - id: evening
    partner: Toko Maju
    goal: {share: 0.95}
    schedule: {from: 18:00, until: 22:00}
    back_to_back: true
    items:
      - {id: toko-15s, type: image, file: media/water.jpg, duration: 15}
"""
    message = _publish_error(authoring, tmp_path / "out2", ISSUE_YAML + CAMPAIGN_YAML + evening)
    assert (
        "playlist.yaml:20: campaigns[0].goal: Wed 2024-05-01 18:00-22:00: campaigns 'imunisasi'"
        " 480 plays of 15s, one every 3m00s: 8%, 'evening' 912 plays of 15s, one every 15.8s: 95%"
        " need 103% of the screen's time there; lower a goal, widen a daypart, or move a"
        " campaign to other hours or days (and 30 more days through Fri 2024-05-31)"
    ) in message, message


def _make_audio_only(path: Path) -> None:
    import numpy as np

    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=44100)
        for index in range(20):
            samples = np.zeros((1, 1024), dtype=np.float32)
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.rate, frame.pts = 44100, index * 1024
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "media/water.jpg",
            "media/missing.jpg",
            ":6: playlists[0].items[0].file (item 'psa-water')",
        ),
        ("media/water.jpg", "media/missing.jpg", "media file not found:"),
        ("media/water.jpg", "media/fake.jpg", "the name says picture, the content does not"),
        (
            "media/agency.mp4",
            "media/audio.m4a",
            ":7: playlists[0].items[1].file (item 'agency-video')",
        ),
        ("media/agency.mp4", "media/audio.m4a", "has no video stream"),
        ("media/agency.mp4", "media/broken.mp4", "not an image or video a player can show"),
        ("media/water.jpg", "media/truncated.png", "corrupt or unreadable PNG image"),
        ("media/water.jpg", "media/anim.gif", "GIF images are not supported; convert to PNG"),
        ("type: video, file: media/agency.mp4", "type: image, file: media/agency.mp4", "is video"),
        ("id: notice", "id: psa-water", ":8: playlists[0].items[2].id (item 'psa-water'): dup"),
        ("duration: 8", "duration: 0", ":8: playlists[0].items[2].duration (item 'notice')"),
        ("duration: 10}", "duration: -2}", "items[0].duration (item 'psa-water'): must be > 0"),
        ('until: "09:00"', 'until: "06:00"', ":11: playlists[1].schedule.from: window 06:00-06:"),
        ("days: [mon, tue, wed, thu, fri]", "days: []", ":11: playlists[1].schedule.days: emp"),
        (
            'from: "06:00", until: "09:00"',
            "valid_from: 2024-06-01, valid_until: 2024-05-01",
            ":11: playlists[1].schedule.valid_until: 2024-05-01 is not after",
        ),
        ("https://example.org/rss", "ftp://example.org/rss", ":16: layout.ticker.feeds[0].url"),
        ("https://example.org/rss", "file:///etc/passwd", "must be an http:// or https:// URL"),
        ("type: clock", "type: hologram", ":13: playlists[1].items[0].type (item 'clock')"),
        ("group: bogor-city", "group: bogor-city\ngroup: again", ":2: duplicate key 'group'"),
        ("items:\n      - {id: clock", "items: [\n      - {id: clock", "YAML syntax error"),
    ],
)
def test_bad_input_names_file_line_and_item(authoring, tmp_path, old, new, expected):
    media = authoring.parent / "media"
    (media / "fake.jpg").write_text("this is a text file, not a picture\n")
    _make_audio_only(media / "audio.m4a")
    (media / "broken.mp4").write_bytes((media / "agency.mp4").read_bytes()[:600])
    make_image(media / "full.png", size=(400, 300))
    (media / "truncated.png").write_bytes((media / "full.png").read_bytes()[:200])
    make_image(media / "anim.gif")
    assert old in ISSUE_YAML
    message = _publish_error(authoring, tmp_path / "out", ISSUE_YAML.replace(old, new))
    assert str(authoring) in message
    assert expected in message


def test_every_problem_is_reported_at_once(authoring, tmp_path):
    text = ISSUE_YAML.replace("media/water.jpg", "media/nope.jpg").replace(
        "media/agency.mp4", "media/nope.mp4"
    )
    message = _publish_error(
        authoring, tmp_path / "out", text.replace("duration: 8", "duration: 0")
    )
    assert message.count("media file not found") == 2
    assert "items[2].duration (item 'notice'): must be > 0" in message


def test_an_unknown_authoring_key_is_an_error_with_a_suggestion(authoring, tmp_path):
    # A typo must not publish the default silently: the screen would show 10 s, not 100.
    message = _publish_error(
        authoring, tmp_path / "out", ISSUE_YAML.replace("duration: 10}", "durration: 10}")
    )
    assert ":6: playlists[0].items[0].durration" in message
    assert "unknown key 'durration' (did you mean 'duration'?)" in message
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_missing_file_bad_values_typos_and_duplicates_are_all_reported_at_once(tmp_path):
    authoring = tmp_path / "playlist.yaml"
    authoring.write_text(
        "group: demo\n"
        "playlists:\n"
        "  - name: main\n"
        "    items:\n"
        "      - {id: a, type: image, file: missing.png, duration: 5}\n"
        "      - {id: b, type: text, text: hi, duration: 0}\n"
        "      - {id: c, type: text, text: hi, duraton: 5}\n"
        "      - {id: b, type: text, text: hi, duration: 4}\n"
        '    schedule: {from: "25:00", until: "10:00"}\n'
    )
    with pytest.raises(PublishError) as caught:
        publish(authoring, tmp_path / "out", None, NOW)
    problems = "\n".join(caught.value.problems)
    assert len(caught.value.problems) == 5, problems
    assert ":5: playlists[0].items[0].file (item 'a'): media file not found" in problems
    assert ":6: playlists[0].items[1].duration (item 'b'): must be > 0" in problems
    assert ":7: playlists[0].items[2].duraton (item 'c'): unknown key 'duraton'" in problems
    assert (
        ":8: playlists[0].items[3].id (item 'b'): duplicate item id 'b' (first given at "
        "line 6)" in problems
    )
    assert ":9: playlists[0].schedule.from: must be a time 'HH:MM'" in problems


def test_unquoted_times_and_dates_in_yaml_are_understood(authoring, tmp_path):
    text = ISSUE_YAML.replace('from: "06:00", until: "09:00"', "from: 18:00, until: 6:30")
    authoring.write_text(text.replace("priority: 10", "priority: 10\n    default: true"))
    manifest = parse((publish(authoring, tmp_path / "out", None, NOW)).manifest_path.read_bytes())
    assert manifest.playlists[1].rules.windows == (DailyWindow(dt.time(18), dt.time(6, 30)),)
    assert manifest.playlists[1].default is True


@pytest.mark.parametrize("case", ["missing", "public", "garbage"])
def test_unusable_key_files_are_refused(authoring, tmp_path, publisher_key, case):
    key_path = tmp_path / "bad.key"
    if case == "public":
        key_path.write_text(public_key_text(generate_keypair()[0]))
    elif case == "garbage":
        key_path.write_text("hello\n")
    with pytest.raises(PublishError) as caught:
        publish(authoring, tmp_path / "out", key_path, NOW)
    assert str(key_path) in str(caught.value)
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_publish_tree_fixture_makes_real_media(tmp_path, publisher_key):
    key_path, public = publisher_key
    manifest_path = publish_tree(
        tmp_path / "site",
        [{"id": "red", "type": "image", "color": [255, 0, 0]}, {"id": "v", "type": "video"}],
        key_path,
        extra={"ticker": {"lines": ["hi"]}},
    )
    data = manifest_path.read_bytes()
    verify(data, manifest_path.with_name("manifest.json.sig").read_bytes(), public)
    manifest = parse(data)
    assert [item.type for item in manifest.items()] == ["image", "video"]
    assert {m.type for m in manifest.media.values()} == {"image", "video"}


# -- the CLI, as a technician runs it ----------------------------------------------------


def videotron(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "videotron", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_keygen_writes_a_private_key_only_its_owner_can_read(tmp_path):
    result = videotron("keygen", "keys/publisher.key", cwd=tmp_path)
    assert result.returncode == 1 and "cannot write" in result.stderr  # no such folder
    (tmp_path / "keys").mkdir()
    result = videotron("keygen", "keys/publisher.key", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    private, public = tmp_path / "keys/publisher.key", tmp_path / "keys/publisher.key.pub"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    line = result.stdout.strip()
    assert line.startswith("public_key: ") and public.read_text().strip() == line

    again = videotron("keygen", "keys/publisher.key", cwd=tmp_path)
    assert again.returncode == 1 and "exists; use --force" in again.stderr
    assert public.read_text().strip() == line
    forced = videotron("keygen", "keys/publisher.key", "--force", cwd=tmp_path)
    assert forced.returncode == 0 and forced.stdout.strip() != line
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


def test_cli_publish_signed_then_bad_input(authoring, tmp_path):
    assert videotron("keygen", "k", cwd=tmp_path).returncode == 0
    public = (tmp_path / "k.pub").read_text()
    result = videotron("publish", str(authoring), "--key", "k", "--out", "site", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "published bogor-city sequence" in result.stdout
    assert "items: 4  media: 2" in result.stdout and "new: 2 files" in result.stdout
    site = tmp_path / "site"
    verify((site / "manifest.json").read_bytes(), (site / "manifest.json.sig").read_bytes(), public)

    authoring.write_text(ISSUE_YAML.replace("duration: 8", "duration: -1"))
    result = videotron("publish", str(authoring), "--key", "k", "--out", "site", cwd=tmp_path)
    assert result.returncode == 1
    assert f"error: {authoring}:8: playlists[0].items[2].duration" in result.stderr
    assert "Traceback" not in result.stderr

    result = videotron("publish", str(authoring), "--out", "site", cwd=tmp_path)
    assert result.returncode == 2 and "--unsigned" in result.stderr
    result = videotron("publish", str(authoring), "--key", "k.pub", "--out", "x", cwd=tmp_path)
    assert result.returncode == 1 and "this is a public key" in result.stderr


# -- docs/PROTOCOL.md shows real, working examples --------------------------------------


def _doc_block(lang: str, after: str) -> str:
    text = (Path(__file__).parents[2] / "docs" / "PROTOCOL.md").read_text()
    start = text.index(f"```{lang}\n", text.index(after)) + len(lang) + 4
    return text[start : text.index("```", start)]


PROTOCOL_FEED = (
    b'<rss version="2.0"><channel><title>Bogor</title>'
    b"<item><title>Pasar murah di alun-alun</title></item></channel></rss>\n"
)


def test_protocol_examples_parse_and_publish_to_the_same_content(tmp_path):
    documented = parse(_doc_block("json", "A complete example").encode())
    src = tmp_path / "src"
    make_image(src / "media" / "water.jpg")
    make_h264(src / "media" / "agency.mp4", seconds=0.4)
    (src / "playlist.yaml").write_text(_doc_block("yaml", "The authoring file is"))
    (src / "news.xml").write_bytes(PROTOCOL_FEED)  # the example's sha256 is this file's
    # The example's headline, fetched and approved at the office before the publish.
    feed = office_feeds.OfficeFeed("https://example.org/rss")
    entry = office_feeds.Entry("e1", "Jalan Pajajaran ditutup Minggu pagi untuk car free day")
    queue = office_feeds.merge_fetch([], feed, [entry], NOW)
    queue = office_feeds.approve_headlines(queue, ["e1"], "sari", NOW - dt.timedelta(minutes=30))
    office_feeds.save_queue(src / office_feeds.HEADLINES_FILE, queue)
    published = parse(
        publish(src / "playlist.yaml", tmp_path / "out", None, NOW).manifest_path.read_bytes()
    )

    def content(manifest):
        def unhashed(item):  # the example's media are not these test files
            approval = item.approval and replace(item.approval, content_hash="")
            return replace(item, media=None, approval=approval)

        playlists = [
            replace(playlist, items=tuple(unhashed(item) for item in playlist.items))
            for playlist in manifest.playlists
        ]
        return playlists, manifest.layout, manifest.defaults, manifest.group

    assert content(published) == content(documented)
    assert sorted(m.type for m in published.media.values()) == ["image", "video"]
    assert sorted(m.type for m in documented.media.values()) == ["image", "video"]


# -- whatever the authoring file holds, publish fails only with a PublishError ---------

_WORDS = st.sampled_from(
    [
        "group",
        "playlists",
        "items",
        "name",
        "id",
        "type",
        "file",
        "duration",
        "schedule",
        "days",
        "from",
        "until",
        "windows",
        "ticker",
        "clock",
        "layout",
        "lines",
        "feeds",
        "url",
        "style",
        "color",
        "transition",
        "image",
        "video",
        "text",
        "media/x.png",
        "campaigns",
        "goal",
        "plays_per_day",
        "share",
        "partner",
    ]
)
_yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 2000) | st.floats() | _WORDS | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_WORDS, children, max_size=4),
    max_leaves=25,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(_WORDS, _yaml_values, max_size=5), st.booleans())
def test_fuzz_authoring_yaml_only_raises_publish_error(tmp_path, doc, with_group):
    if with_group:
        doc = {"group": "g", "playlists": [{"name": "p", "items": [doc]}]}
    src = tmp_path / "fuzz.yaml"
    src.write_text(yaml.safe_dump(doc))
    try:
        publish(src, tmp_path / "fuzz-out", None, NOW)
    except PublishError as exc:
        assert all(line.startswith(str(src)) for line in exc.problems), exc.problems


def test_temp_files_of_a_killed_publish_are_cleaned_up(authoring, tmp_path):
    out = tmp_path / "out"
    (out / "media").mkdir(parents=True)
    stale = out / "media" / f".{'ab' * 32}.1234abcd.tmp"
    stale.write_bytes(b"half a video")
    publish(authoring, out, None, NOW)
    assert not stale.exists()
    assert [p.name for p in out.rglob(".*")] == [".publish.lock"]


# -- bounds: out-of-range values never reach a signed manifest ---------------------------

OUT_OF_RANGE_YAML = """\
group: bogor-city
playlists:
  - name: main
    priority: 99999999
    items:
      - {id: a, type: text, text: hi, duration: 3e11}
      - {id: b, type: text, text: hi, duration: 300000000000}
      - id: c
        type: text
        text: hi
        schedule: {valid_from: 2024-01-01, valid_until: 9999-12-30}
      - {id: d, type: clock, transition: {type: crossfade, ms: 99999}}
      - {id: e, type: clock, duration: 5}
ticker:
  lines: [hello]
  speed: 1e9
"""


def test_cli_publish_refuses_every_out_of_range_value_with_its_line(tmp_path):
    assert videotron("keygen", "k", cwd=tmp_path).returncode == 0
    authoring = tmp_path / "playlist.yaml"
    authoring.write_text(OUT_OF_RANGE_YAML)
    result = videotron("publish", str(authoring), "--key", "k", "--out", "site", cwd=tmp_path)
    assert result.returncode == 1
    errors = result.stderr.splitlines()
    assert errors == [
        f"error: {authoring}:4: playlists[0].priority: must be <= 1000000, got 99999999",
        f"error: {authoring}:6: playlists[0].items[0].duration (item 'a'): must be <= 86400, "
        "got 3e+11",
        f"error: {authoring}:7: playlists[0].items[1].duration (item 'b'): must be <= 86400, "
        "got 3e+11",
        f"error: {authoring}:11: playlists[0].items[2].schedule.valid_until (item 'c'): "
        "year 9999 is outside 2000-2200, got '9999-12-30'",
        f"error: {authoring}:12: playlists[0].items[3].transition.ms (item 'd'): must be <= "
        "10000, got 99999",
        f"error: {authoring}:16: layout.ticker.speed: must be <= 2000, got 1e+09",
    ]
    assert not (tmp_path / "site" / "manifest.json").exists()


def test_a_deeply_nested_authoring_file_is_refused_in_one_line(tmp_path):
    authoring = tmp_path / "playlist.yaml"
    authoring.write_text("group: x\nplaylists: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(PublishError) as caught:
        publish(authoring, tmp_path / "out", None, NOW)
    assert caught.value.problems == [
        f"{authoring}:1: nested too deeply to read; this is not a playlist"
    ]
    authoring.write_text("group: x\nplaylists: " + "[" * 100 + "]" * 100 + "\n")
    with pytest.raises(PublishError, match="nested more than 64 levels deep"):
        publish(authoring, tmp_path / "out", None, NOW)


def test_a_pipe_named_as_playlist_key_or_media_is_refused_instead_of_hanging(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # nobody writes: reading it used to wait forever
    result = videotron("publish", str(fifo), "--unsigned", "--out", "site", cwd=tmp_path)
    assert result.returncode == 1 and "named pipe (FIFO)" in result.stderr
    authoring = tmp_path / "playlist.yaml"
    authoring.write_text(
        "group: g\nplaylists:\n  - name: m\n    items:\n      - {id: a, file: pipe}\n"
    )
    result = videotron("publish", str(authoring), "--key", "pipe", "--out", "site", cwd=tmp_path)
    assert result.returncode == 1 and "cannot read the key file" in result.stderr
    result = videotron("publish", str(authoring), "--unsigned", "--out", "site", cwd=tmp_path)
    assert result.returncode == 1
    assert f"{authoring}:5: playlists[0].items[0].file (item 'a'): pipe: not a regular file" in (
        result.stderr
    )


def test_a_feed_file_is_published_with_the_content_and_named_relative_to_it(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "news.xml").write_text(
        "<rss><channel><title>t</title><item><title>Berita</title></item></channel></rss>"
    )
    authoring = src / "playlist.yaml"
    authoring.write_text(
        "group: g\n"
        "playlists:\n"
        "  - name: main\n"
        "    items: [{id: a, type: text, text: hi}]\n"
        "ticker:\n"
        "  feeds:\n"
        "    - {file: news.xml, refresh: 600}\n"
        "    - {url: 'https://example.org/rss', unsigned: true}\n"
    )
    out = tmp_path / "out"
    publish(authoring, out, None, NOW)
    manifest = parse((out / "manifest.json").read_bytes())
    urls = [f.url for f in manifest.layout.ticker.feeds]
    assert urls == ["feeds/news.xml", "https://example.org/rss"]
    # The bundled file is signed by its hash; the URL is left for screens allowing it.
    signed = hashlib.sha256((src / "news.xml").read_bytes()).hexdigest()
    assert [f.sha256 for f in manifest.layout.ticker.feeds] == [signed, None]
    assert (out / "feeds" / "news.xml").read_bytes() == (src / "news.xml").read_bytes()

    authoring.write_text(authoring.read_text().replace("news.xml", "gone.xml"))
    with pytest.raises(PublishError) as caught:
        publish(authoring, tmp_path / "out2", None, NOW)
    (problem,) = caught.value.problems
    assert ":7: layout.ticker.feeds[0].file: feed file not found" in problem
