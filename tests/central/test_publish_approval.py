"""Approvals in the authoring YAML: publish signs who and when with the hash of the content."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from central.publish import PublishError, publish
from player.config.model import SourceConfig
from player.sync.policy import refusal
from player.wire.approval import content_hash
from player.wire.parse import parse
from tests.fixtures.media import make_image

NOW = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)
APPROVAL = "{approver: sari, approved_at: '2026-01-05T09:00:00Z'}"


def _write(src: Path, body: str) -> Path:
    make_image(src / "poster.png", size=(64, 36), color=(200, 0, 0))
    path = src / "playlist.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def _items(out: Path) -> dict:
    manifest = parse((out / "manifest.json").read_bytes(), strict=True)
    return {item.id: item for item in manifest.items()}


PLAYLIST = f"""\
group: g
defaults: {{duration: 7, transition: crossfade}}
playlists:
  - name: main
    items:
      - {{id: poster, type: image, file: poster.png, approval: {APPROVAL}}}
      - {{id: notice, type: text, text: Halo, approval: {APPROVAL}}}
      - {{id: clock, type: clock}}
"""


def test_publish_writes_each_approval_with_the_hash_of_what_the_screen_shows(tmp_path):
    publish(_write(tmp_path / "src", PLAYLIST), tmp_path / "out", None, NOW)
    items = _items(tmp_path / "out")
    poster = items["poster"].approval
    assert (poster.approver, poster.approved_at) == (
        "sari",
        dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC),
    )
    assert poster.matches and items["notice"].approval.matches
    assert items["clock"].approval is None
    # The defaults an approved item plays with are its own now: a defaults edit cannot
    # change it unseen.
    raw = json.loads((tmp_path / "out" / "manifest.json").read_bytes())
    notice = raw["playlists"][0]["items"][1]
    assert notice["duration"] == 7 and notice["transition"] == "crossfade"
    assert notice["approval"]["content_hash"] == content_hash(notice)
    assert "duration" not in raw["playlists"][0]["items"][2]  # unapproved: as authored
    # A require_approval screen names the one item no one approved.
    failed = refusal(
        parse((tmp_path / "out" / "manifest.json").read_bytes()),
        SourceConfig(require_approval=True),
    )
    assert failed is not None and "item 'clock' of playlist 'main' has no approval" in failed.reason
    assert refusal(parse((tmp_path / "out" / "manifest.json").read_bytes()), SourceConfig()) is None


def test_an_approval_survives_a_playlist_edit_that_leaves_the_item_as_it_was(tmp_path):
    publish(_write(tmp_path / "src", PLAYLIST), tmp_path / "out", None, NOW)
    before = _items(tmp_path / "out")
    # Moved to another playlist, renamed, scheduled, another item put before it.
    edited = PLAYLIST.replace(
        "      - {id: notice, type: text, text: Halo,",
        "  - name: evening\n    schedule: {from: '18:00', until: '22:00'}\n    items:\n"
        "      - {id: extra, type: text, text: Baru}\n"
        "      - {id: notice-2, type: text, text: Halo,",
    )
    publish(_write(tmp_path / "src", edited), tmp_path / "out", None, NOW)
    after = _items(tmp_path / "out")
    assert after["notice-2"].approval == before["notice"].approval
    assert after["notice-2"].approval.matches and after["poster"].approval.matches
    # Changing what it shows is another item: the old approval's hash no longer fits.
    changed = PLAYLIST.replace("text: Halo", "text: Halo semua")
    publish(_write(tmp_path / "src", changed), tmp_path / "out", None, NOW)
    assert (
        _items(tmp_path / "out")["notice"].approval.content_hash
        != before["notice"].approval.content_hash
    )


@pytest.mark.parametrize(
    ("approval", "expected"),
    [
        (
            "{approver: sari, approved_at: '2026-01-06T09:00:00Z'}",
            "2026-01-06T09:00:00Z is in the future",
        ),
        (
            "{approver: sari, approved_at: '2026-01-05 09:00'}",
            "approved_at '2026-01-05 09:00' has no UTC offset",
        ),
        ("{approver: sari, approved_at: kemarin}", "is not an ISO time"),
        (
            "{approver: '', approved_at: '2026-01-05T09:00:00Z'}",
            "must be the approver's name",
        ),
        ("{approver: sari}", "approved_at must be an ISO time"),
        (
            "{approver: sari, approved_at: '2026-01-05T09:00:00Z', content_hash: abc}",
            "unknown key 'content_hash'",
        ),
        ("yes", "must be {approver: NAME, approved_at: TIME}"),
    ],
)
def test_a_bad_approval_is_refused_with_file_line_and_field(tmp_path, approval, expected):
    body = PLAYLIST.replace(APPROVAL, approval, 1)
    path = _write(tmp_path / "src", body)
    with pytest.raises(PublishError) as caught:
        publish(path, tmp_path / "out", None, NOW)
    (problem,) = caught.value.problems
    assert problem.startswith(f"{path}:6: playlists[0].items[0].approval")
    assert expected in problem


TICKER = f"""\
group: g
playlists:
  - name: main
    items:
      - {{id: poster, type: image, file: poster.png, duration: 5, approval: {APPROVAL}}}
ticker:
  lines: [Awas banjir di Jalan Sudirman, Vaksinasi gratis hari Sabtu]
"""


def test_the_tickers_typed_lines_are_approved_like_an_item_and_required_by_such_screens(tmp_path):
    strict = SourceConfig(require_approval=True)
    publish(_write(tmp_path / "src", TICKER), tmp_path / "out", None, NOW)
    data = (tmp_path / "out" / "manifest.json").read_bytes()
    failed = refusal(parse(data), strict)
    assert failed is not None and "the ticker's lines have no approval" in failed.reason
    assert refusal(parse(data), SourceConfig()) is None  # an old manifest plays as before

    approved = TICKER + f"  approval: {APPROVAL}\n"
    publish(_write(tmp_path / "src", approved), tmp_path / "out", None, NOW)
    data = (tmp_path / "out" / "manifest.json").read_bytes()
    ticker = parse(data, strict=True).layout.ticker
    assert ticker.approval.approver == "sari" and ticker.approval.matches
    assert refusal(parse(data), strict) is None
    # One line changed after the approval (whoever signed it): the hash no longer fits.
    raw = json.loads(data)
    raw["layout"]["ticker"]["lines"][1] = "Vaksinasi berbayar hari Sabtu"
    changed = parse(json.dumps(raw).encode())
    assert not changed.layout.ticker.approval.matches
    failed = refusal(changed, strict)
    assert failed is not None and "the ticker's lines changed after sari approved" in failed.reason

    no_lines = TICKER.replace("  lines: [Awas banjir di Jalan Sudirman, Vaksinasi gratis hari "
                              "Sabtu]\n", f"  feeds: [{{url: 'https://x.example/rss', unsigned: "
                              f"true}}]\n  approval: {APPROVAL}\n")  # fmt: skip
    with pytest.raises(PublishError) as refused:
        publish(_write(tmp_path / "src", no_lines), tmp_path / "out2", None, NOW)
    assert "approves the ticker's typed lines: give lines:" in str(refused.value)
