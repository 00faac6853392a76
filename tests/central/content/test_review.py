"""The content workflow on a real database and real publishes: two people, send-back, restore."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from central.config import load_central_config
from central.content import library, playlist, review
from central.content.upload import Received
from central.db import content as stored
from central.db.audit import recent_audit
from central.publish import sha256_file
from player.wire.parse import parse
from player.wire.signing import verify
from tests.fixtures.content import write_key
from tests.fixtures.disk import fill, small_disk
from tests.fixtures.media import make_image

NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def office(tmp_path, engine):
    """A central.yaml with a key, groups A and B and a library; (config, engine, public key)."""
    _, public = write_key(tmp_path / "keys" / "publisher.key")
    (tmp_path / "central.yaml").write_text(
        "publish:\n  key: keys/publisher.key\n  groups:\n    A: site/A\n    B: site/B\n"
        "console:\n  library: library\n",
        encoding="utf-8",
    )
    config = load_central_config(tmp_path / "central.yaml")
    config.console.library.mkdir()
    with engine.begin() as connection:
        stored.set_scopes(connection, "kontri", ["A"])
    return config, engine, public


def add_image(office, name: str, color) -> dict:
    """Put an image in the library as an upload would (a temporary file in its folder)."""
    config, engine, _ = office
    folder = config.console.library
    path = make_image(folder / f".upload-{name}.tmp", color=color, fmt="PNG")
    received = Received({"tags": "banjir psa"}, name, path, path.stat().st_size, sha256_file(path))
    with engine.begin() as connection:
        accepted = library.accept(connection, folder, received, "kontri", NOW.replace(tzinfo=None))
        return stored.media_by_sha(connection, accepted.sha256)


def call(office, function, *args, **kwargs):
    _, engine, _ = office
    with engine.begin() as connection:
        return function(connection, *args, **kwargs)


def submit(office, group: str, media: list[dict], user="kontri", role="contributor") -> int:
    items = [playlist.new_item(m, n) for n, m in enumerate(media, 1)]
    return call(office, review.submit, office[0], group, items, user=user, role=role, now=NOW)


def published(office, group: str):
    folder = office[0].publish.groups[group]
    data = (folder / "manifest.json").read_bytes()
    verify(data, (folder / "manifest.json.sig").read_bytes(), office[2])
    return parse(data)


def test_the_submitter_cannot_approve_another_approver_publishes_to_its_group_only(office):
    red = add_image(office, "red.png", (255, 0, 0))
    number = submit(office, "A", [red], user="budi", role="approver")
    with pytest.raises(review.ReviewError) as refused:
        call(office, review.approve, office[0], number, "budi", NOW)
    assert refused.value.key == "two_person"
    assert call(office, stored.submission, number)["state"] == "pending"
    assert not (office[0].publish.groups["A"] / "manifest.json").exists()

    result = call(office, review.approve, office[0], number, "ana", NOW)
    manifest = published(office, "A")
    assert manifest.sequence == result.sequence
    assert [item.media for item in manifest.items()] == [red["sha256"]]
    assert (office[0].publish.groups["A"] / "media" / red["sha256"]).is_file()
    assert not (office[0].publish.groups["B"] / "manifest.json").exists()
    assert "mqtt.url" in result.notice  # no broker configured: said, not hidden
    decided = call(office, stored.submission, number)
    assert (decided["state"], decided["decided_by"], decided["sequence"]) == (
        "approved", "ana", result.sequence,
    )  # fmt: skip
    assert decided["items"][0]["approval"] == {"approver": "ana",
                                               "approved_at": "2026-12-07T02:00:00Z"}  # fmt: skip
    actions = [row["action"] for row in call(office, recent_audit, 20)]
    assert actions[:4] == ["content-published", "content-approved", "content-submitted",
                           "media-uploaded"]  # fmt: skip
    # Nothing of the work folder is left beside the library.
    assert list((office[0].console.library / "work").iterdir()) == []


def test_a_contributor_submits_only_for_its_groups(office):
    red = add_image(office, "red.png", (255, 0, 0))
    with pytest.raises(review.ReviewError) as refused:
        submit(office, "B", [red])
    assert refused.value.key == "not_your_group"
    assert call(office, review.groups_for, office[0], "kontri", "contributor") == ["A"]
    assert call(office, review.groups_for, office[0], "ana", "approver") == ["A", "B"]


def test_a_sent_back_submission_keeps_its_reason_and_never_reaches_a_screen(office):
    red = add_image(office, "red.png", (255, 0, 0))
    number = submit(office, "A", [red])
    with pytest.raises(review.ReviewError, match="say why"):
        call(office, review.send_back, number, "ana", "  ", NOW)
    call(office, review.send_back, number, "ana", "Ejaan salah di baris 2", NOW)
    found = call(office, stored.submission, number)
    assert (found["state"], found["reason"]) == ("sent_back", "Ejaan salah di baris 2")
    with pytest.raises(review.ReviewError) as refused:
        call(office, review.approve, office[0], number, "ana", NOW)
    assert refused.value.key == "not_pending"
    assert not (office[0].publish.groups["A"] / "manifest.json").exists()


def test_restore_brings_an_earlier_version_back_as_a_new_sequence_with_its_approvals(office):
    red = add_image(office, "red.png", (255, 0, 0))
    blue = add_image(office, "blue.png", (0, 0, 255))
    first = submit(office, "A", [red])
    one = call(office, review.approve, office[0], first, "ana", NOW)
    later = NOW + dt.timedelta(hours=1)
    second = call(office, review.submit, office[0], "A", [playlist.new_item(blue, 1)],
                  user="kontri", role="contributor", now=later)  # fmt: skip
    two = call(office, review.approve, office[0], second, "budi", later)
    assert [i.media for i in published(office, "A").items()] == [blue["sha256"]]

    restored, three = call(office, review.restore, office[0], first, "budi",
                           later + dt.timedelta(minutes=5))  # fmt: skip
    assert one.sequence < two.sequence < three.sequence
    manifest = published(office, "A")
    assert manifest.sequence == three.sequence
    assert [i.media for i in manifest.items()] == [red["sha256"]]
    found = call(office, stored.submission, restored)
    assert (found["state"], found["restored_from"]) == ("approved", first)
    assert found["items"][0]["approval"]["approver"] == "ana"  # the approval it was shown with


def test_diff_and_approvals_follow_the_content_not_the_schedule():
    red = {"sha256": "a" * 64, "name": "red.png", "type": "image"}
    blue = {"sha256": "b" * 64, "name": "blue.png", "type": "image"}
    kept, dropped = playlist.new_item(red, 1), playlist.new_item(blue, 2)
    before = playlist.carry_approvals([], [kept, dropped], "ana", "2026-12-07T02:00:00Z")
    rescheduled = {**before[0], "days": ["mon", "tue"], "start": "06:00", "end": "09:00"}
    longer = {**rescheduled, "id": "x", "duration": 20.0}
    after = [rescheduled, longer]
    changes = {(c["change"], c["item"]["id"]) for c in playlist.diff(before, after)}
    assert changes == {("changes", kept["id"]), ("starts", "x"), ("stops", dropped["id"])}
    stamped = playlist.carry_approvals(before, after, "budi", "2026-12-08T02:00:00Z")
    assert stamped[0]["approval"]["approver"] == "ana"  # only its schedule changed
    assert stamped[1]["approval"]["approver"] == "budi"
    yaml_items = playlist.authoring("A", stamped)["playlists"][0]["items"]
    assert yaml_items[0]["schedule"] == {"days": ["mon", "tue"], "windows": ["06:00-09:00"]}
    assert yaml_items[0]["approval"] == {"approver": "ana", "approved_at": "2026-12-07T02:00:00Z"}


def test_published_items_carry_their_approval(office):
    red = add_image(office, "red.png", (255, 0, 0))
    number = submit(office, "A", [red])
    call(office, review.approve, office[0], number, "ana", NOW)
    data = json.loads((office[0].publish.groups["A"] / "manifest.json").read_bytes())
    approval = data["playlists"][0]["items"][0]["approval"]
    assert (approval["approver"], approval["approved_at"]) == ("ana", "2026-12-07T02:00:00Z")
    assert len(approval["content_hash"]) == 64


def approvals_of(office, number: int) -> list[str]:
    """The audit actions of approving or publishing submission `number`."""
    return [row["action"] for row in call(office, recent_audit, 50)
            if (row["target"].endswith(f"#{number}") and row["action"] != "content-submitted")
            or row["detail"].get("submission") == number]  # fmt: skip


def test_an_approval_whose_publish_fails_on_a_full_disk_stays_pending_and_nothing_is_half_done(
    office,
):
    config = office[0]
    red = add_image(office, "red.png", (255, 0, 0))
    blue = add_image(office, "blue.png", (0, 0, 255))
    first = submit(office, "A", [red])
    with small_disk(config.publish.groups["A"], "1m") as disk:
        one = call(office, review.approve, config, first, "ana", NOW)
        before = (disk / "manifest.json").read_bytes()
        filler = fill(disk)
        second = submit(office, "A", [blue])
        later = NOW + dt.timedelta(minutes=5)
        with pytest.raises(review.ReviewError) as failed:
            call(office, review.approve, config, second, "ana", later)
        assert failed.value.key == "publish_failed"
        assert "No space left on device" in str(failed.value), failed.value
        found = call(office, stored.submission, second)
        assert (found["state"], found["decided_by"], found["sequence"]) == ("pending", None, None)
        assert approvals_of(office, second) == []  # neither approved nor published on record
        assert (disk / "manifest.json").read_bytes() == before  # the screens' tree as it was
        assert published(office, "A").sequence == one.sequence
        # A restore that cannot publish adds no submission either.
        count = len(call(office, stored.recent_submissions))
        with pytest.raises(review.ReviewError, match="No space left"):
            call(office, review.restore, config, first, "budi", later)
        assert len(call(office, stored.recent_submissions)) == count

        filler.unlink()  # room again: the same approval now goes through
        two = call(office, review.approve, config, second, "ana", later)
        assert two.sequence > one.sequence == json.loads(before)["sequence"]
        assert [i.media for i in published(office, "A").items()] == [blue["sha256"]]
        assert approvals_of(office, second) == ["content-published", "content-approved"]
        assert call(office, stored.submission, second)["sequence"] == two.sequence


def test_an_approval_with_an_unreadable_key_stays_pending_with_the_reason(office):
    config = office[0]
    red = add_image(office, "red.png", (255, 0, 0))
    number = submit(office, "A", [red])
    config.publish.key.unlink()
    with pytest.raises(review.ReviewError) as failed:
        call(office, review.approve, config, number, "ana", NOW)
    assert failed.value.key == "publish_failed" and str(config.publish.key) in str(failed.value)
    assert call(office, stored.submission, number)["state"] == "pending"
    assert approvals_of(office, number) == []
    assert not (config.publish.groups["A"] / "manifest.json").exists()
