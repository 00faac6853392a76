"""`videotron alert`: put a signed alert on every screen of a group, or take one off."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from videotron.commands import options

SUMMARY = "put a signed alert on every screen of a group, or take one off"
DETAILS = (
    "Retained on the broker until it expires, so screens that come online late show it.\n"
    "Sending an id again with new text or level replaces it on screen; --cancel ID takes\n"
    "it off and keeps older copies of it off."
)
EXIT_NOTE = "0 the broker acknowledged; 1 bad text, options, key, config or broker"
CONFIG = options.OFFICE
ALERT_LIFETIME = "30m"
CANCEL_LIFETIME = "1d"  # a cancel outlives any ordinary alert it takes off


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", metavar="TEXT", nargs="?", help="alert text (none with --cancel)")
    parser.add_argument("--group", required=True, help="screen group")
    parser.add_argument(
        "--expires",
        help="lifetime: 90s, 30m, 2h, 1d (default: 30m; a cancel: 1d, at least the alert's)",
    )
    parser.add_argument(
        "--key", type=Path, metavar="KEYFILE",
        help="publisher key (default: publish.key in central.yaml)",
    )  # fmt: skip
    parser.add_argument(
        "--level",
        default="emergency",
        choices=["info", "warning", "emergency"],
        help="how the alert looks on screen",
    )
    parser.add_argument("--id", help="alert id (default: random); sending an id again replaces it")
    parser.add_argument(
        "--cancel", metavar="ID", help="take alert ID off the screens (and keep it off)"
    )
    options.add_mqtt_option(parser)


def run(args: argparse.Namespace) -> int:
    """Seal an alert (or a cancel) with the publisher key; publish it, retained until it expires."""
    from central.broker import SendError, send_alert
    from videotron.commands import sending

    try:
        # Milliseconds: a correction sent within the same second is still the newer version.
        now = dt.datetime.now(dt.UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        payload, what, lifetime = _payload(args, now)
        key = sending.publisher_key(args)
        target = sending.broker_target(args)
        topic = send_alert(target, key, payload, lifetime)
    except SendError as exc:
        return sending.failed("alert", exc)
    try:
        from central.db.alerts import record_command_line_alert
    except ImportError:  # installed without the office extras: no database to record in
        pass
    else:
        problem = record_command_line_alert(getattr(args, "config_path", None), payload)
        if problem:
            print(f"videotron alert: {problem}", file=sys.stderr)
    text = f": {payload['text']}" if "text" in payload else ""
    print(f"sent {what} to {topic} on {target.broker.display}, until {payload['expires_at']}{text}")
    return 0


def _payload(args: argparse.Namespace, now: dt.datetime) -> tuple[dict, str, dt.timedelta]:
    """(payload, what to print, lifetime) for an alert or, with --cancel, the cancel of one."""
    from central.broker import SendError
    from player.wire import signing
    from videotron.commands import sending

    if args.cancel is not None:
        if args.text:
            raise SendError("--cancel takes no alert text")
        if args.id and args.id != args.cancel:
            raise SendError("--cancel names the alert; leave out --id")
        if not args.cancel.strip():
            raise SendError("--cancel needs the id of the alert to take off")
        lifetime = sending.lifetime(args.expires or CANCEL_LIFETIME)
        payload = signing.make_alert_cancel(args.cancel, args.group, now=now, lifetime=lifetime)
        return payload, f"cancel of alert {args.cancel}", lifetime
    text = (args.text or "").strip()
    if not text:
        raise SendError("alert text is empty (or pass --cancel ID to take an alert off)")
    if len(text) > signing.MAX_ALERT_TEXT:
        raise SendError(f"alert text is {len(text)} characters; at most {signing.MAX_ALERT_TEXT}")
    lifetime = sending.lifetime(args.expires or ALERT_LIFETIME)
    payload = signing.make_alert(
        text, args.group, now=now, lifetime=lifetime, level=args.level, alert_id=args.id
    )
    return payload, f"{payload['level']} alert {payload['id']}", lifetime
