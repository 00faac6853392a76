"""Ed25519 keys, detached manifest signatures and signed MQTT messages (alerts, commands)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from player.wire.alert import Alert, AlertCancel
from player.wire.isotime import format_utc
from player.wire.manifest import ManifestError, to_json
from player.wire.parse import parse_datetime
from player.wire.smallfile import NotReadable, read_small_file

log = logging.getLogger(__name__)

PRIVATE_PREFIX = "private_key:"
PUBLIC_PREFIX = "public_key:"
ALERT_LEVELS = ("info", "warning", "emergency")
COMMANDS = ("sync", "screenshot", "reload", "display-off", "display-on")
MAX_SEALED_BYTES = 64 * 1024
MAX_ALERT_TEXT = 1000
# The optional parts of an alert a screen lays out itself, each with its longest length.
ALERT_PARTS = MappingProxyType(
    {"headline": 200, "description": 1000, "instruction": 300, "sender": 100, "area": 300}
)
ALERT_STATUSES = ("actual", "exercise", "test")
ALERT_CANCEL = "alert-cancel"


class SignatureError(ManifestError):
    """A signature is missing, malformed or does not match the data and key."""


class KeyFileError(ValueError):
    """A key file or key text that cannot be used (unreadable, wrong type or length)."""


@dataclass(frozen=True)
class Command:
    """A verified remote command for one player."""

    player: str
    command: str  # sync | screenshot | reload | display-off | display-on
    issued_at: dt.datetime
    expires_at: dt.datetime
    nonce: str


# -- keys -------------------------------------------------------------------------------


def generate_keypair() -> tuple[SigningKey, str]:
    """A fresh private key and its public key as base64 (what player.yaml holds)."""
    key = SigningKey.generate()
    return key, public_key_b64(key)


def public_key_b64(private_key: SigningKey) -> str:
    return base64.b64encode(bytes(private_key.verify_key)).decode("ascii")


def private_key_text(private_key: SigningKey) -> str:
    """The contents of a private key file written by `videotron keygen`."""
    seed = base64.b64encode(bytes(private_key)).decode("ascii")
    return (
        "# videotron publisher key (Ed25519). Keep it secret; players need only the .pub.\n"
        f"{PRIVATE_PREFIX} {seed}\n"
    )


def public_key_text(private_key: SigningKey) -> str:
    return f"{PUBLIC_PREFIX} {public_key_b64(private_key)}\n"


def _key_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    return lines[0] if len(lines) == 1 else ""


def _decode_key(b64: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(b64.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyFileError(f"{what}: not base64") from None
    if len(raw) != 32:
        raise KeyFileError(f"{what}: decodes to {len(raw)} bytes, an Ed25519 key has 32")
    return raw


def load_private_key(path: Path) -> SigningKey:
    """Read a key file written by `videotron keygen`; clear errors for every wrong case."""
    try:
        # A key file is one line; a FIFO given as --key must not hang the publisher.
        text = read_small_file(Path(path), 4096, "a key file").decode("utf-8")
        mode = Path(path).stat().st_mode
    except (OSError, UnicodeDecodeError, NotReadable) as exc:
        raise KeyFileError(f"{path}: cannot read the key file ({exc})") from None
    line = _key_line(text)
    if line.startswith(PUBLIC_PREFIX) or PUBLIC_PREFIX in text:
        raise KeyFileError(
            f"{path}: this is a public key; pass the private key file (without .pub) "
            "written by `videotron keygen`"
        )
    if not line.startswith(PRIVATE_PREFIX):
        raise KeyFileError(
            f"{path}: not a videotron private key (expected one line 'private_key: <base64>' "
            "as written by `videotron keygen`)"
        )
    if mode & 0o077:
        log.warning("%s: private key is readable by other users; chmod 600 it", path)
    return SigningKey(_decode_key(line[len(PRIVATE_PREFIX) :], str(path)))


def load_public_key(text_or_b64: str | bytes | VerifyKey) -> VerifyKey:
    """A public key from base64, a 'public_key: ...' line or the contents of a .pub file."""
    if isinstance(text_or_b64, VerifyKey):
        return text_or_b64
    text = text_or_b64.decode("utf-8", "replace") if isinstance(text_or_b64, bytes) else text_or_b64
    if not isinstance(text, str):
        raise KeyFileError(f"public key must be base64 text, got {type(text).__name__}")
    if PRIVATE_PREFIX in text:
        raise KeyFileError(
            "public key: this is a PRIVATE key; give players only the public key "
            "(the KEYFILE.pub line printed by `videotron keygen`)"
        )
    line = _key_line(text)
    if line.startswith(PUBLIC_PREFIX):
        line = line[len(PUBLIC_PREFIX) :]
    return VerifyKey(_decode_key(line, "public key"))


# -- detached signatures ----------------------------------------------------------------


def sign(data: bytes, private_key: SigningKey) -> bytes:
    """The contents of a .sig file: base64 of the 64-byte Ed25519 signature, then newline."""
    signature = private_key.sign(bytes(data)).signature
    return base64.b64encode(signature) + b"\n"


def _signature_bytes(sig: bytes | str) -> bytes:
    text = sig.encode("ascii", "replace") if isinstance(sig, str) else bytes(sig)
    stripped = text.strip()
    if not stripped:
        raise SignatureError("signature is empty")
    try:
        raw = base64.b64decode(stripped, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 64:
        raise SignatureError("signature is malformed (expected base64 of 64 bytes)")
    return raw


def verify(data: bytes, sig: bytes | str, public_key: str | bytes | VerifyKey) -> None:
    """Raise SignatureError unless `sig` (a .sig file's contents) signs `data` exactly."""
    try:
        key = load_public_key(public_key)
    except KeyFileError as exc:
        raise SignatureError(str(exc)) from None
    try:
        key.verify(bytes(data), _signature_bytes(sig))
    except BadSignatureError:
        raise SignatureError(
            "signature does not match (content altered, or signed with another key than "
            "source.public_key)"
        ) from None


# -- signed MQTT messages ---------------------------------------------------------------


def seal(payload: dict, private_key: SigningKey | None) -> bytes:
    """Envelope {"payload": base64(canonical JSON), "sig": base64(signature)}; sig "" if None."""
    body = to_json(payload)
    sig = sign(body, private_key).strip().decode("ascii") if private_key else ""
    return to_json({"payload": base64.b64encode(body).decode("ascii"), "sig": sig})


def open_sealed(
    data: bytes,
    public_key: str | VerifyKey | None,
    now: dt.datetime,
    *,
    allow_unsigned: bool = False,
) -> dict:
    """Verify an envelope from `seal` and return its payload; refuse expired or unsigned."""
    if len(data) > MAX_SEALED_BYTES:
        raise SignatureError(f"message of {len(data)} bytes is larger than {MAX_SEALED_BYTES}")
    try:
        envelope = json.loads(bytes(data).decode("utf-8"))
        body = base64.b64decode(envelope["payload"], validate=True)
        sig = envelope.get("sig") or ""
        if not isinstance(sig, str):
            raise TypeError("sig is not a string")
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, binascii.Error):
        raise SignatureError("not a signed message envelope {payload, sig}") from None
    if sig or not allow_unsigned:
        if not sig:
            raise SignatureError("message is unsigned")
        if public_key is None:
            raise SignatureError("no public key configured (source.public_key) to verify it")
        verify(body, sig, public_key)
    try:
        payload = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        raise SignatureError("signed payload is not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        raise ManifestError("payload must be an object with a 'type'", "type")
    expires_at = _aware(payload.get("expires_at"), "expires_at")
    if expires_at <= now:
        raise ManifestError(f"expired at {expires_at.isoformat()}", "expires_at")
    return payload


def _aware(value: object, path: str) -> dt.datetime:
    moment = parse_datetime(value, path)
    if moment.tzinfo is None:
        raise ManifestError("must carry a UTC offset, e.g. 2024-05-01T08:00:00Z", path)
    return moment


def _stamp(moment: dt.datetime) -> str:
    # Milliseconds when there are any: two versions of an alert sent within one second
    # must still be ordered by their issued_at.
    return format_utc(moment, timespec="milliseconds" if moment.microsecond else "seconds")


def make_alert(
    text: str,
    group: str,
    *,
    now: dt.datetime,
    lifetime: dt.timedelta,
    level: str = "emergency",
    alert_id: str | None = None,
    parts: Mapping[str, str] | None = None,
    valid_until: dt.datetime | None = None,
    status: str = "actual",
) -> dict:
    """An alert payload ready for `seal`.

    `text` is the whole message (what players before the parts show); `parts` are the
    ALERT_PARTS given apart, `valid_until` the warning's own end and `status` whether it
    is an exercise or a test. Empty parts and the defaults are left out of the payload.
    """
    payload = {
        "type": "alert",
        "id": alert_id or secrets.token_hex(8),
        "group": group,
        "text": text,
        "level": level,
        "issued_at": _stamp(now),
        "expires_at": _stamp(now + lifetime),
    }
    payload.update({name: value for name, value in (parts or {}).items() if value})
    if valid_until is not None:
        payload["valid_until"] = _stamp(valid_until)
    if status != "actual":
        payload["status"] = status
    return payload


def make_alert_cancel(
    alert_id: str, group: str, *, now: dt.datetime, lifetime: dt.timedelta
) -> dict:
    """A cancel payload ready for `seal`: takes alert `alert_id` off every screen of `group`."""
    return {
        "type": ALERT_CANCEL,
        "id": alert_id,
        "group": group,
        "issued_at": _stamp(now),
        "expires_at": _stamp(now + lifetime),
    }


def make_command(player: str, command: str, *, now: dt.datetime, lifetime: dt.timedelta) -> dict:
    """A command payload ready for `seal`; the nonce lets players drop duplicates."""
    return {
        "type": "command",
        "player": player,
        "command": command,
        "issued_at": _stamp(now),
        "expires_at": _stamp(now + lifetime),
        "nonce": secrets.token_hex(16),
    }


def _field(payload: dict, name: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value:
        raise ManifestError("must be a non-empty string", name)
    return value


def parse_alert(payload: dict) -> Alert:
    """Validate an opened alert payload into an `Alert`."""
    if payload.get("type") != "alert":
        raise ManifestError(f"expected 'alert', got {payload.get('type')!r}", "type")
    text = _field(payload, "text")
    if len(text) > MAX_ALERT_TEXT:
        raise ManifestError(f"longer than {MAX_ALERT_TEXT} characters", "text")
    level = payload.get("level", "warning")
    if level not in ALERT_LEVELS:
        raise ManifestError(f"must be one of {', '.join(ALERT_LEVELS)}", "level")
    issued_at = _aware(payload["issued_at"], "issued_at") if "issued_at" in payload else None
    status = payload.get("status", "actual")
    if status not in ALERT_STATUSES:
        raise ManifestError(f"must be one of {', '.join(ALERT_STATUSES)}", "status")
    valid_until = payload.get("valid_until")
    return Alert(
        id=_field(payload, "id"),
        text=text,
        expires_at=_aware(payload.get("expires_at"), "expires_at"),
        issued_at=issued_at,
        level=level,
        group=_field(payload, "group"),
        valid_until=None if valid_until is None else _aware(valid_until, "valid_until"),
        status=status,
        **{name: _part(payload, name, limit) for name, limit in ALERT_PARTS.items()},
    )


def _part(payload: dict, name: str, limit: int) -> str:
    """An optional alert part: absent is "", else a string of at most `limit` characters."""
    value = payload.get(name, "")
    if not isinstance(value, str):
        raise ManifestError("must be a string", name)
    if len(value) > limit:
        raise ManifestError(f"longer than {limit} characters", name)
    return value


def parse_alert_message(payload: dict) -> Alert | AlertCancel:
    """An opened payload from an alert topic: an alert or the cancel of one."""
    if payload.get("type") != ALERT_CANCEL:
        return parse_alert(payload)
    return AlertCancel(
        id=_field(payload, "id"),
        group=_field(payload, "group"),
        issued_at=_aware(payload.get("issued_at"), "issued_at"),
        expires_at=_aware(payload.get("expires_at"), "expires_at"),
    )


def parse_command(payload: dict, player_id: str | None = None) -> Command:
    """Validate an opened command payload; with `player_id`, refuse one meant for another."""
    if payload.get("type") != "command":
        raise ManifestError(f"expected 'command', got {payload.get('type')!r}", "type")
    player = _field(payload, "player")
    if player_id is not None and player != player_id:
        raise ManifestError(f"addressed to {player!r}, this is {player_id!r}", "player")
    command = payload.get("command")
    if command not in COMMANDS:
        raise ManifestError(f"must be one of {', '.join(COMMANDS)}", "command")
    nonce = _field(payload, "nonce")
    if not 8 <= len(nonce) <= 128:
        raise ManifestError("must be 8 to 128 characters", "nonce")
    return Command(
        player=player,
        command=command,
        issued_at=_aware(payload.get("issued_at"), "issued_at"),
        expires_at=_aware(payload.get("expires_at"), "expires_at"),
        nonce=nonce,
    )
