"""The wire format: what parse accepts, what it refuses and how it says so."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from player.wire.manifest import (
    DEFAULT_DURATION,
    DailyWindow,
    Feed,
    ManifestError,
    Transition,
    check_sequence,
    digest,
    to_json,
)
from player.wire.parse import parse

IMG = "a" * 64
VID = "0123456789abcdef" * 4


def base() -> dict:
    """A small valid manifest dict using every part of the format."""
    return {
        "version": 1,
        "group": "bogor-city",
        "published_at": "2024-05-01T08:00:00Z",
        "sequence": 7,
        "media": {
            IMG: {"size": 1234, "type": "image", "url": f"media/{IMG}", "width": 64},
            VID: {"size": 99, "type": "video", "url": f"media/{VID}", "duration": 12.5},
        },
        "defaults": {"duration": 6, "transition": {"type": "crossfade", "ms": 300}},
        "playlists": [
            {
                "name": "main",
                "priority": 0,
                "default": True,
                "items": [
                    {"id": "psa", "type": "image", "media": IMG, "fit": "cover"},
                    {"id": "clip", "type": "video", "media": VID, "transition": "cut"},
                    {"id": "notice", "type": "text", "text": "Lapor!", "duration": 8},
                ],
            },
            {
                "name": "morning",
                "priority": 10,
                "schedule": {"days": ["mon", "fri"], "from": "06:00", "until": "09:00"},
                "items": [
                    {
                        "id": "clock",
                        "type": "clock",
                        "schedule": {
                            "valid_from": "2024-05-01",
                            "valid_until": "2024-05-31",
                            "windows": ["22:00-02:00", "12:00-24:00"],
                        },
                    }
                ],
            },
        ],
        "layout": {
            "ticker": {"lines": ["Selamat datang"], "feeds": [{"url": "https://x.org/rss"}]},
            "clock": {"position": "top-left"},
        },
    }


def parse_dict(raw: dict):
    return parse(to_json(raw))


def test_parse_maps_every_part_and_resolves_defaults():
    manifest = parse_dict(base())
    assert manifest.group == "bogor-city"
    assert manifest.sequence == 7
    assert manifest.published_at == dt.datetime(2024, 5, 1, 8, tzinfo=dt.UTC)
    assert manifest.media[IMG].width == 64 and manifest.media[VID].duration == 12.5
    psa, clip, notice = manifest.playlists[0].items
    assert psa.duration == 6.0 and psa.fit == "cover"
    assert psa.transition == Transition("crossfade", 300)
    assert clip.duration is None  # a video plays to its end
    assert clip.transition == Transition("cut", 0)
    assert notice.duration == 8.0 and notice.text == "Lapor!"
    assert manifest.playlists[0].default is True
    morning = manifest.playlists[1]
    assert morning.priority == 10
    assert morning.rules.days == frozenset({0, 4})
    assert morning.rules.windows == (DailyWindow(dt.time(6), dt.time(9)),)
    rules = morning.items[0].rules
    assert rules.valid_from == dt.datetime(2024, 5, 1)  # naive: player local time
    assert rules.valid_until == dt.datetime(2024, 6, 1)  # through the whole of 31 May
    assert rules.windows == (
        DailyWindow(dt.time(22), dt.time(2)),
        DailyWindow(dt.time(12), dt.time(0)),
    )
    assert manifest.layout.ticker.lines == ("Selamat datang",)
    assert manifest.layout.ticker.feeds == (Feed("https://x.org/rss", 600.0),)
    assert manifest.layout.clock.position == "top-left"
    assert [item.id for item in manifest.items()] == ["psa", "clip", "notice", "clock"]


def test_item_without_duration_or_defaults_gets_the_builtin_default():
    raw = base()
    del raw["defaults"]
    manifest = parse_dict(raw)
    assert manifest.playlists[0].items[0].duration == DEFAULT_DURATION
    assert manifest.playlists[0].items[0].transition == Transition("cut", 0)


def test_unknown_fields_are_ignored():
    raw = base()
    raw["future"] = {"x": 1}
    raw["playlists"][0]["colour_scheme"] = "dark"
    raw["playlists"][0]["items"][0]["hologram"] = True
    raw["media"][IMG]["hdr"] = "pq"
    assert parse_dict(raw) == parse_dict(base())


def test_full_day_names_are_accepted():
    raw = base()
    raw["playlists"][1]["schedule"]["days"] = ["Monday", " sunday", "SAT"]
    assert parse_dict(raw).playlists[1].rules.days == frozenset({0, 5, 6})


def test_aware_datetimes_keep_their_offset():
    raw = base()
    raw["playlists"][1]["schedule"]["valid_from"] = "2024-05-01T06:00:00+07:00"
    rules = parse_dict(raw).playlists[1].rules
    assert rules.valid_from == dt.datetime(2024, 4, 30, 23, tzinfo=dt.UTC)


@pytest.mark.parametrize("version", [2, 0, "1", 1.0, True, None])
def test_unknown_version_is_refused(version):
    raw = base()
    raw["version"] = version
    with pytest.raises(ManifestError, match=r"^version: unsupported version"):
        parse_dict(raw)


def test_missing_version_is_refused():
    raw = base()
    del raw["version"]
    with pytest.raises(ManifestError, match=r"^version: missing"):
        parse_dict(raw)


def _set(raw: dict, path: tuple, value) -> dict:
    target = raw
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return raw


_DELETE = object()
P0 = ("playlists", 0)
I0 = (*P0, "items", 0)
SCHED = ("playlists", 1, "schedule")


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ((*I0, "duration"), 0, "playlists[0].items[0].duration: must be > 0"),
        ((*I0, "duration"), -3, "playlists[0].items[0].duration: must be > 0"),
        ((*I0, "duration"), "10", "playlists[0].items[0].duration: must be a number"),
        ((*I0, "media"), IMG.upper(), "playlists[0].items[0].media: must be a sha256"),
        ((*I0, "media"), "b" * 64, "is not listed in media"),
        ((*I0, "media"), VID, "is a video, item is image"),
        ((*I0, "type"), "hologram", "playlists[0].items[0].type: must be one of"),
        ((*I0, "fit"), "zoom", "playlists[0].items[0].fit: must be one of"),
        ((*I0, "transition"), {"type": "wipe"}, "items[0].transition.type: must be one of"),
        ((*I0, "transition"), {"type": "crossfade", "ms": -1}, "transition.ms: must be >= 0"),
        ((*I0, "id"), "notice", "playlists[0].items[2].id: duplicate item id 'notice'"),
        ((*I0, "id"), "", "playlists[0].items[0].id: must be a non-empty string"),
        (("playlists", 0, "items", 2, "text"), "", "items[2].text: must be a non-empty string"),
        ((*P0, "items"), [], "playlists[0].items: must list at least one item"),
        ((*P0, "priority"), 1.5, "playlists[0].priority: must be an integer"),
        ((*P0, "default"), "yes", "playlists[0].default: must be true or false"),
        ((*P0, "name"), "morning", "playlists[1].name: duplicate playlist name"),
        (("playlists", 1, "default"), True, "playlists: at most one playlist"),
        ((*SCHED, "days"), [], "playlists[1].schedule.days: empty list never matches"),
        ((*SCHED, "days"), ["mon", "funday"], "schedule.days[1]: must be a weekday"),
        ((*SCHED, "days"), ["Monday", "monxyz"], "schedule.days[1]: must be a weekday"),
        ((*SCHED, "until"), "06:00", "schedule.from: window 06:00-06:00 is empty"),
        ((*SCHED, "until"), "25:00", "schedule.from: must be a time 'HH:MM'"),
        ((*SCHED, "until"), _DELETE, "schedule.from: must be a time 'HH:MM'"),
        ((*SCHED, "windows"), ["06:00-07:00"], "use either from/until or windows"),
        ((*SCHED, "valid_from"), "2024-13-01", "schedule.valid_from: not an ISO date"),
        (("media", "A" * 64), {"size": 1, "type": "image"}, "media: key 'AAAA"),
        (("media", "abc"), {"size": 1, "type": "image"}, "is not a sha256"),
        (("media", IMG, "size"), 0, f"media.{IMG}.size: must be >= 1"),
        (("media", IMG, "type"), "audio", f"media.{IMG}.type: must be one of"),
        (("media", IMG, "url"), "../../etc/passwd", f"media.{IMG}.url: must be a relative"),
        (("media", IMG, "url"), "file:///etc/passwd", f"media.{IMG}.url: must be an http"),
        (("layout", "ticker", "feeds"), [{"url": "ftp://x.org/rss"}], "feeds[0].url: must be"),
        (("layout", "ticker", "feeds"), [{"url": "https://x", "refresh": 0}], "refresh: must"),
        (("layout", "ticker"), {"lines": []}, "layout.ticker: needs at least one of"),
        (("layout", "ticker", "color"), "white", "layout.ticker.color: must be a colour"),
        (("layout", "clock", "position"), "middle", "layout.clock.position: must be one of"),
        (("group",), "bogor/city", "group: 'bogor/city' may hold only"),
        (("published_at",), "2024-05-01T08:00:00", "published_at: must carry a UTC offset"),
        (("sequence",), -1, "sequence: must be >= 0"),
        (("sequence",), True, "sequence: must be an integer"),
        (("playlists",), {}, "playlists: must be a list"),
        (("defaults", "duration"), 0, "defaults.duration: must be > 0"),
    ],
)
def test_invalid_field_is_named_by_path(path, value, message):
    raw = _set(base(), path, value)
    with pytest.raises(ManifestError) as caught:  # the publisher's check: every problem
        parse(to_json(raw), strict=True)
    assert message in str(caught.value)


def test_valid_until_before_valid_from_never_matches():
    raw = base()
    raw["playlists"][1]["schedule"].update(valid_from="2024-06-01", valid_until="2024-05-01")
    with pytest.raises(ManifestError, match=r"schedule.valid_until: .*never matches"):
        parse_dict(raw)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[1, 2]", "manifest: must be an object"),
        (b'{"version": NaN}', "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    ],
)
def test_bytes_that_are_not_a_manifest(data, message):
    with pytest.raises(ManifestError, match=message):
        parse(data)


def test_to_json_is_canonical():
    raw = {"b": 1, "a": {"z": "é", "y": [1, 2]}}
    assert to_json(raw) == '{"a":{"y":[1,2],"z":"é"},"b":1}'.encode()
    shuffled = json.loads(json.dumps(base(), sort_keys=False))
    assert to_json(shuffled) == to_json(base())
    assert digest(to_json(base())) == digest(to_json(shuffled))


def test_check_sequence_refuses_replay_and_other_groups():
    current = parse_dict(base())
    newer = parse_dict({**base(), "sequence": 8})
    check_sequence(newer, current)
    check_sequence(current, None)
    with pytest.raises(ManifestError, match=r"^sequence: 7 is not newer than the current 8"):
        check_sequence(current, newer)
    with pytest.raises(ManifestError, match=r"^sequence: 7 is not newer than the current 7"):
        check_sequence(current, current)
    other = parse_dict({**base(), "group": "depok", "sequence": 99})
    with pytest.raises(ManifestError, match=r"^group: manifest is for group 'depok'"):
        check_sequence(other, current)


# -- fuzzing: parse only ever raises ManifestError, and never lets a bad media name in ------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _paths(value, prefix=()):
    """Every (path) into a JSON value, for picking a spot to mutate."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


def _check_accepted(manifest) -> None:
    for key in manifest.media:
        assert len(key) == 64 and all(c in "0123456789abcdef" for c in key)
    for item in manifest.items():
        if item.type in ("image", "video"):
            assert manifest.media[item.media].type == item.type
        else:
            assert item.media is None
        assert item.duration is None or item.duration > 0


def _parse_or_refuse(data: bytes) -> None:
    try:
        manifest = parse(data)
    except ManifestError:
        return
    _check_accepted(manifest)


@FUZZ
@given(st.binary(max_size=300))
def test_fuzz_random_bytes(data):
    _parse_or_refuse(data)


@FUZZ
@given(json_values)
def test_fuzz_random_json(value):
    _parse_or_refuse(json.dumps(value).encode())


@FUZZ
@given(st.data())
def test_fuzz_mutated_manifests(data):
    raw = copy.deepcopy(base())
    for _ in range(data.draw(st.integers(1, 4))):
        paths = [path for path in _paths(raw) if path]
        path = data.draw(st.sampled_from(paths))
        parent = raw
        for key in path[:-1]:
            parent = parent[key]
        action = data.draw(st.sampled_from(["replace", "delete", "rename"]))
        if action == "replace":
            parent[path[-1]] = data.draw(json_values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[data.draw(st.text(max_size=70))] = parent.pop(path[-1])
    _parse_or_refuse(json.dumps(raw).encode())


@FUZZ
@given(st.data())
def test_fuzz_flipped_and_spliced_bytes(data):
    blob = bytearray(to_json(base()))
    for _ in range(data.draw(st.integers(1, 6))):
        index = data.draw(st.integers(0, len(blob) - 1))
        action = data.draw(st.sampled_from(["flip", "insert", "delete"]))
        if action == "flip":
            blob[index] ^= 1 << data.draw(st.integers(0, 7))
        elif action == "insert":
            blob[index:index] = data.draw(st.binary(min_size=1, max_size=4))
        else:
            del blob[index]
    _parse_or_refuse(bytes(blob))


@FUZZ
@given(st.text(alphabet="0123456789abcdefABCDEFgx-/. ", min_size=0, max_size=70))
def test_media_names_must_be_64_lowercase_hex(name):
    raw = base()
    raw["media"][name] = {"size": 5, "type": "image", "url": "media/x"}
    raw["playlists"][0]["items"][0]["media"] = name
    valid = len(name) == 64 and all(c in "0123456789abcdef" for c in name)
    if valid:
        assert name in parse_dict(raw).media
    else:
        with pytest.raises(ManifestError, match="sha256"):
            parse_dict(raw)


# -- campaigns ---------------------------------------------------------------------------


def with_campaign(**changes) -> dict:
    raw = base()
    campaign = {
        "id": "imunisasi",
        "partner": "Dinas Kesehatan",
        "goal": {"plays_per_day": 480},
        "schedule": {"valid_from": "2024-05-01", "valid_until": "2024-05-31"},
        "screens": ["p1", "p2"],
        "items": [{"id": "imunisasi-15s", "type": "image", "media": IMG, "duration": 15}],
    }
    raw["campaigns"] = [{**campaign, **changes}]
    return raw


def test_a_campaign_is_read_with_its_goal_items_and_screens() -> None:
    manifest = parse(to_json(with_campaign()))
    (campaign,) = manifest.campaigns
    assert (campaign.id, campaign.partner) == ("imunisasi", "Dinas Kesehatan")
    assert campaign.goal.plays_per_day == 480 and campaign.goal.share is None
    assert campaign.screens == {"p1", "p2"} and campaign.groups is None
    assert campaign.rules.valid_until == dt.datetime(2024, 6, 1)
    assert campaign.back_to_back is False
    assert "imunisasi-15s" in [item.id for item in manifest.items()]  # fetched, approved, shown


def test_a_manifest_without_campaigns_plays_as_before() -> None:
    assert parse(to_json(base())).campaigns == ()


@pytest.mark.parametrize(
    ("change", "path", "reason"),
    [
        ({"goal": {}}, "campaigns[0].goal", "give exactly one of plays_per_day"),
        ({"goal": {"share": 10}}, "campaigns[0].goal.share", "must be <= 1"),
        ({"goal": {"plays_per_day": 0}}, "campaigns[0].goal.plays_per_day", "must be >= 1"),
        ({"partner": ""}, "campaigns[0].partner", "non-empty string"),
        ({"screens": []}, "campaigns[0].screens", "empty list never matches"),
        ({"back_to_back": "yes"}, "campaigns[0].back_to_back", "true or false"),
        ({"items": []}, "campaigns[0].items", "at least one item"),
    ],
)
def test_a_bad_campaign_is_refused_naming_the_field(change, path, reason) -> None:
    with pytest.raises(ManifestError) as caught:
        parse(to_json(with_campaign(**change)))
    assert caught.value.path == path and reason in caught.value.reason, str(caught.value)


def test_a_campaign_item_id_must_be_unique_with_the_playlists_items() -> None:
    raw = with_campaign(items=[{"id": "psa", "type": "image", "media": IMG}])
    with pytest.raises(ManifestError, match="duplicate item id 'psa'"):
        parse(to_json(raw))
