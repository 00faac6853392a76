"""Ed25519 keys, detached signatures and sealed MQTT messages."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from player.wire.alert import Alert
from player.wire.manifest import ManifestError
from player.wire.signing import (
    KeyFileError,
    SignatureError,
    generate_keypair,
    load_private_key,
    load_public_key,
    make_alert,
    make_command,
    open_sealed,
    parse_alert,
    parse_command,
    private_key_text,
    public_key_text,
    seal,
    sign,
    verify,
)

NOW = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)
_FUZZ_KEYS = generate_keypair()
_FIELDS = ["type", "id", "group", "text", "level", "issued_at", "expires_at", "payload", "sig"]
_GOOD = ["alert", "emergency", "2030-01-01T00:00:00Z", "2024-05-01T08:00:00", "g", "x"]


@pytest.fixture
def keys():
    return generate_keypair()


def test_signature_file_is_base64_of_64_bytes_and_verifies(keys):
    key, public = keys
    data = b'{"version":1}'
    sig = sign(data, key)
    assert sig.endswith(b"\n") and len(base64.b64decode(sig.strip())) == 64
    verify(data, sig, public)
    verify(data, sig.decode(), f"public_key: {public}")


def test_any_flipped_byte_is_detected(keys):
    key, public = keys
    data = b'{"group":"bogor","sequence":12}'
    sig = sign(data, key)
    for index in range(len(data)):
        altered = bytearray(data)
        altered[index] ^= 0x01
        with pytest.raises(SignatureError, match="does not match"):
            verify(bytes(altered), sig, public)
    raw = bytearray(base64.b64decode(sig))
    raw[10] ^= 0x80
    with pytest.raises(SignatureError, match="does not match"):
        verify(data, base64.b64encode(raw), public)


@pytest.mark.parametrize(
    ("sig", "message"),
    [(b"", "empty"), (b"not base64!!", "malformed"), (base64.b64encode(b"x" * 63), "malformed")],
)
def test_malformed_signatures_are_refused(keys, sig, message):
    with pytest.raises(SignatureError, match=message):
        verify(b"data", sig, keys[1])


def test_signature_from_another_key_is_refused(keys):
    other, _ = generate_keypair()
    with pytest.raises(SignatureError, match="another key"):
        verify(b"data", sign(b"data", other), keys[1])


def test_private_key_file_round_trip(tmp_path, keys):
    key, public = keys
    path = tmp_path / "k"
    path.write_text(private_key_text(key))
    loaded = load_private_key(path)
    verify(b"x", sign(b"x", loaded), public)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the key file"),
        ("PUBLIC", "this is a public key"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n", "not a videotron private key"),
        ("private_key: AAAA\n", "decodes to 3 bytes, an Ed25519 key has 32"),
        ("private_key: ###\n", "not base64"),
        (b"\xff\xfe\x00", "cannot read the key file"),
    ],
)
def test_bad_private_key_files_say_what_is_wrong(tmp_path, keys, content, message):
    path = tmp_path / "publisher.key"
    if content == "PUBLIC":
        path.write_text(public_key_text(keys[0]))
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(KeyFileError, match=message) as caught:
        load_private_key(path)
    assert str(path) in str(caught.value)


def test_public_key_forms(keys):
    key, public = keys
    expected = bytes(key.verify_key)
    assert bytes(load_public_key(public)) == expected
    assert bytes(load_public_key(public_key_text(key))) == expected
    assert bytes(load_public_key(f"# comment\npublic_key: {public}\n".encode())) == expected
    with pytest.raises(KeyFileError, match="PRIVATE key"):
        load_public_key(private_key_text(key))
    with pytest.raises(KeyFileError, match="decodes to 16 bytes"):
        load_public_key(base64.b64encode(b"x" * 16).decode())
    with pytest.raises(SignatureError, match="not base64"):
        verify(b"x", sign(b"x", key), "not a key")


def test_sealed_alert_round_trip(keys):
    key, public = keys
    payload = make_alert(
        "Banjir: hindari Jl. Pajajaran", "bogor", now=NOW, lifetime=dt.timedelta(minutes=30)
    )
    opened = open_sealed(seal(payload, key), public, NOW + dt.timedelta(minutes=29))
    assert opened == payload
    alert = parse_alert(opened)
    assert alert == Alert(
        id=payload["id"],
        text="Banjir: hindari Jl. Pajajaran",
        expires_at=NOW + dt.timedelta(minutes=30),
        issued_at=NOW,
        level="emergency",
        group="bogor",
    )


def test_alert_parts_are_signed_and_optional_both_ways(keys):
    key, public = keys
    parts = {"headline": "Hujan lebat", "description": "Di Bogor Barat.", "sender": "BMKG",
             "instruction": "Hindari pohon.", "area": "Kota Bogor"}  # fmt: skip
    until = NOW + dt.timedelta(minutes=20)
    payload = make_alert("Hujan lebat Di Bogor Barat. Hindari pohon.", "bogor", now=NOW,
                         lifetime=dt.timedelta(minutes=30), parts=parts, valid_until=until,
                         status="exercise")  # fmt: skip
    sealed = seal(payload, key)
    alert = parse_alert(open_sealed(sealed, public, NOW))
    assert (alert.headline, alert.description, alert.instruction) == (
        "Hujan lebat",
        "Di Bogor Barat.",
        "Hindari pohon.",
    )
    assert (alert.sender, alert.area, alert.status) == ("BMKG", "Kota Bogor", "exercise")
    assert alert.valid_until == until and alert.structured
    # The signature covers the parts: a changed instruction breaks it.
    envelope = json.loads(sealed)
    body = json.loads(base64.b64decode(envelope["payload"]))
    body["instruction"] = "Tetap di jalan."
    envelope["payload"] = base64.b64encode(json.dumps(body).encode()).decode()
    with pytest.raises(SignatureError, match="does not match"):
        open_sealed(json.dumps(envelope).encode(), public, NOW)
    # A message without parts (older office) is an alert of its text alone.
    plain = parse_alert(make_alert("x", "g", now=NOW, lifetime=dt.timedelta(hours=1)))
    assert not plain.structured and plain.status == "actual" and plain.valid_until is None


def test_sealed_message_is_refused_when_expired(keys):
    key, public = keys
    data = seal(make_alert("x", "g", now=NOW, lifetime=dt.timedelta(seconds=90)), key)
    with pytest.raises(ManifestError, match="expires_at: expired at 2024-05-01T08:01:30"):
        open_sealed(data, public, NOW + dt.timedelta(seconds=90))


def test_sealed_message_tampering_is_detected(keys):
    key, public = keys
    data = seal(make_alert("real", "g", now=NOW, lifetime=dt.timedelta(hours=1)), key)
    envelope = json.loads(data)
    forged = json.loads(base64.b64decode(envelope["payload"]))
    forged["text"] = "fake"
    envelope["payload"] = base64.b64encode(json.dumps(forged).encode()).decode()
    with pytest.raises(SignatureError, match="does not match"):
        open_sealed(json.dumps(envelope).encode(), public, NOW)
    other, _ = generate_keypair()
    with pytest.raises(SignatureError, match="does not match"):
        open_sealed(
            seal(make_alert("x", "g", now=NOW, lifetime=dt.timedelta(hours=1)), other),
            public,
            NOW,
        )


def test_unsigned_messages_only_with_allow_unsigned(keys):
    _, public = keys
    data = seal(make_alert("demo", "g", now=NOW, lifetime=dt.timedelta(hours=1)), None)
    with pytest.raises(SignatureError, match="unsigned"):
        open_sealed(data, public, NOW)
    assert open_sealed(data, None, NOW, allow_unsigned=True)["text"] == "demo"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"garbage", "not a signed message envelope"),
        (b'{"payload": 5, "sig": ""}', "not a signed message envelope"),
        (b'{"sig": "abc"}', "not a signed message envelope"),
        (b"[]", "not a signed message envelope"),
        (b"x" * 70_000, "larger than"),
    ],
)
def test_malformed_envelopes_are_refused(keys, data, message):
    with pytest.raises(SignatureError, match=message):
        open_sealed(data, keys[1], NOW)


def test_payload_without_expiry_is_refused(keys):
    key, public = keys
    with pytest.raises(ManifestError, match="expires_at"):
        open_sealed(seal({"type": "alert", "text": "x"}, key), public, NOW)
    with pytest.raises(ManifestError, match="expires_at: must carry a UTC offset"):
        open_sealed(seal({"type": "alert", "expires_at": "2030-01-01T00:00:00"}, key), public, NOW)


def test_commands_are_checked(keys):
    key, public = keys
    payload = make_command("pi-01", "screenshot", now=NOW, lifetime=dt.timedelta(minutes=5))
    command = parse_command(open_sealed(seal(payload, key), public, NOW), "pi-01")
    assert (command.player, command.command, command.nonce) == (
        "pi-01",
        "screenshot",
        payload["nonce"],
    )
    with pytest.raises(ManifestError, match="player: addressed to 'pi-01', this is 'pi-02'"):
        parse_command(payload, "pi-02")
    with pytest.raises(ManifestError, match="command: must be one of"):
        parse_command({**payload, "command": "rm -rf"})
    with pytest.raises(ManifestError, match="type: expected 'command'"):
        parse_command({**payload, "type": "alert"})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"level": "panic"}, "level: must be one of"),
        ({"text": ""}, "text: must be a non-empty string"),
        ({"text": "x" * 1001}, "text: longer than 1000"),
        ({"id": None}, "id: must be a non-empty string"),
        ({"type": "command"}, "type: expected 'alert'"),
        ({"issued_at": "yesterday"}, "issued_at: not an ISO date"),
        ({"headline": "x" * 201}, "headline: longer than 200"),
        ({"description": "x" * 1001}, "description: longer than 1000"),
        ({"instruction": "x" * 301}, "instruction: longer than 300"),
        ({"sender": "x" * 101}, "sender: longer than 100"),
        ({"area": "x" * 301}, "area: longer than 300"),
        ({"headline": ["a"]}, "headline: must be a string"),
        ({"status": "draft"}, "status: must be one of actual, exercise, test"),
        ({"valid_until": "2026-03-01T10:00:00"}, "valid_until: must carry a UTC offset"),
    ],
)
def test_bad_alerts_are_refused(change, message):
    payload = make_alert("x", "g", now=NOW, lifetime=dt.timedelta(hours=1))
    with pytest.raises(ManifestError, match=message):
        parse_alert({**payload, **change})


# -- fuzzing: whatever arrives over MQTT, only ManifestError comes out -------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(_FIELDS), children, max_size=6)
    ),
    max_leaves=15,
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=200), _json.map(lambda v: json.dumps(v).encode())))
def test_fuzz_open_sealed_raw(data):
    # No generated input carries a signature by the fuzz key, so every one is refused.
    public = _FUZZ_KEYS[1]
    with pytest.raises(SignatureError):
        open_sealed(data, public, NOW)


_FORGER_KEY = generate_keypair()[0]
_LIVE_ALERT = make_alert("x", "g", now=NOW, lifetime=dt.timedelta(hours=1))
_b64 = st.binary(max_size=96).map(lambda raw: base64.b64encode(raw).decode("ascii"))


def _forged(payload: dict, sig: str) -> bytes:
    body = json.dumps(payload).encode()
    return json.dumps({"payload": base64.b64encode(body).decode("ascii"), "sig": sig}).encode()


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        # a live alert with a made-up signature
        _b64.map(lambda sig: _forged(_LIVE_ALERT, sig)),
        # any payload, signed by a key the player does not trust
        st.dictionaries(st.sampled_from(_FIELDS), _json | st.sampled_from(_GOOD), max_size=8).map(
            lambda payload: seal({**_LIVE_ALERT, **payload}, _FORGER_KEY)
        ),
        # a genuine envelope whose payload was changed after signing
        st.text(min_size=1, max_size=20).map(
            lambda text: _forged(
                {**_LIVE_ALERT, "text": _LIVE_ALERT["text"] + text},
                json.loads(seal(_LIVE_ALERT, _FUZZ_KEYS[0]))["sig"],
            )
        ),
    )
)
def test_fuzz_forged_messages_are_refused(data):
    with pytest.raises(SignatureError):
        open_sealed(data, _FUZZ_KEYS[1], NOW)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(_FIELDS), _json | st.sampled_from(_GOOD), max_size=8))
def test_fuzz_signed_payloads_are_checked_without_crashing(payload):
    key, public = _FUZZ_KEYS
    try:
        opened = open_sealed(seal(payload, key), public, NOW)
        alert = parse_alert(opened)
    except ManifestError:
        return
    assert alert.expires_at > NOW and alert.text and alert.level in ("info", "warning", "emergency")
