"""Command-line entry point: `videotron SUBCOMMAND`."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import sys
from pathlib import Path
from types import MappingProxyType

from player import __version__

DEFAULT_CONFIG = Path("/etc/videotron/player.yaml")
DEFAULT_CENTRAL_CONFIG = Path("/etc/videotron/central.yaml")
OFFICE_COMMANDS = frozenset(
    {"publish", "keygen", "notify", "alert", "command", "collect", "report"}
)

# subcommand -> (module, function); imported only when the subcommand runs, so
# `videotron --help` stays fast and a broken optional part cannot break the others.
HANDLERS = MappingProxyType(
    {
        "run": ("player.app", "cmd_run"),
        "demo": ("videotron.demo", "cmd_demo"),
        "check-config": ("player.config.loader", "cmd_check_config"),
        "status": ("player.service.statusfile", "cmd_status"),
        "sync": ("player.sync.loop", "cmd_sync"),
        "schedule": ("player.schedule.cli", "cmd_schedule"),
        "publish": ("central.publish", "cmd_publish"),
        "keygen": ("central.publish", "cmd_keygen"),
        "notify": ("central.notify", "cmd_notify"),
        "alert": ("central.notify", "cmd_alert"),
        "command": ("central.notify", "cmd_command"),
        "collect": ("central.collector.cli", "cmd_collect"),
        "report": ("central.collector.cli", "cmd_report"),
        "screenshot": ("player.service.control", "cmd_screenshot"),
    }
)


def config_path(args: argparse.Namespace) -> Path:
    """--config, else $VIDEOTRON_CONFIG, else /etc/videotron/player.yaml.

    The office-side commands read central.yaml instead ($VIDEOTRON_CENTRAL_CONFIG).
    """
    if getattr(args, "config", None):
        return Path(args.config)
    if args.command in OFFICE_COMMANDS:
        env = os.environ.get("VIDEOTRON_CENTRAL_CONFIG")
        return Path(env) if env else DEFAULT_CENTRAL_CONFIG
    env = os.environ.get("VIDEOTRON_CONFIG")
    return Path(env) if env else DEFAULT_CONFIG


def _add_render_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--headless", action="store_true", help="render offscreen (SDL dummy driver)"
    )
    parser.add_argument("--screenshot-dir", type=Path, help="save PNG screenshots into DIR")
    parser.add_argument(
        "--screenshot-every",
        type=float,
        metavar="S",
        help="seconds between shots (default 5; demo offscreen: 3)",
    )
    parser.add_argument(
        "--exit-after", type=float, metavar="S", help="stop after S seconds (0: run until stopped)"
    )
    parser.add_argument(
        "--frame-log", type=Path, help="append one JSON line per presented frame (diagnostics)"
    )


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: use a date like 2024-05-31") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="videotron", description="Signage player for LED videotron billboards."
    )
    parser.add_argument("--version", action="version", version=f"videotron {__version__}")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="player config (default: $VIDEOTRON_CONFIG or /etc/videotron/player.yaml); "
        "office commands: central.yaml (default: $VIDEOTRON_CENTRAL_CONFIG or "
        "/etc/videotron/central.yaml)",
    )
    parser.add_argument("--log-level", metavar="LEVEL", help="override log.level from the config")
    # --config is accepted after the subcommand too (`videotron notify --config F ...`);
    # SUPPRESS keeps a value given before the subcommand when none is given after it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="player config")
    common.add_argument("--log-level", metavar="LEVEL", default=argparse.SUPPRESS, help="log level")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_parser = sub.add_parser

    def add_command(name: str, **kwargs) -> argparse.ArgumentParser:
        return add_parser(name, parents=[common], **kwargs)

    sub.add_parser = add_command

    p = sub.add_parser("run", help="play fullscreen from the cache, syncing in the background")
    _add_render_options(p)

    p = sub.add_parser("demo", help="make sample content, publish it signed and play it")
    _add_render_options(p)
    p.add_argument("--out", type=Path, default=Path("demo-out"), help="working folder")

    p = sub.add_parser("check-config", help="validate a config file and show the effective values")
    p.add_argument("path", nargs="?", type=Path, help="config file (default: the --config one)")

    p = sub.add_parser("status", help="show what the running player is doing and what is wrong")
    p.add_argument("--json", action="store_true", help="print the raw status JSON")

    p = sub.add_parser("sync", help="fetch the manifest and media into the cache")
    p.add_argument(
        "--once",
        action="store_true",
        help="one full sync, then exit (0 = current); without it, sync until Ctrl-C",
    )

    p = sub.add_parser("schedule", help="print what will play from a moment on, and why")
    p.add_argument("--at", metavar="ISO-DATETIME", help="start time (default: now)")
    p.add_argument("--hours", type=float, default=2.0, help="how far ahead to list")
    p.add_argument("--manifest", type=Path, help="manifest.json to use instead of the active one")

    p = sub.add_parser("publish", help="build a signed manifest and media tree from a playlist")
    p.add_argument("playlist", type=Path, help="authoring YAML")
    p.add_argument("--key", type=Path, help="Ed25519 private key from `videotron keygen`")
    p.add_argument("--out", type=Path, required=True, help="folder to publish into")
    p.add_argument("--unsigned", action="store_true", help="publish without a signature (demo)")

    p = sub.add_parser("keygen", help="create an Ed25519 publisher key pair")
    p.add_argument("keyfile", type=Path, help="private key file to write (public: KEYFILE.pub)")
    p.add_argument("--force", action="store_true", help="overwrite an existing key")

    p = sub.add_parser("notify", help="announce a published manifest to players over MQTT")
    p.add_argument("--manifest", type=Path, required=True, help="published manifest.json")
    p.add_argument("--mqtt", metavar="URL", help="broker URL (default: the config's mqtt.url)")

    p = sub.add_parser("alert", help="put a signed alert on every screen of a group")
    p.add_argument("text", help="alert text")
    p.add_argument("--group", required=True, help="screen group")
    p.add_argument("--expires", default="30m", help="lifetime, e.g. 90s, 30m, 2h (default 30m)")
    p.add_argument("--key", type=Path, required=True, help="publisher private key")
    p.add_argument("--level", default="emergency", choices=["info", "warning", "emergency"])
    p.add_argument("--id", help="alert id (default: random); re-sending an id replaces it")
    p.add_argument("--mqtt", metavar="URL", help="broker URL (default: the config's mqtt.url)")

    p = sub.add_parser("command", help="send a signed command to one player")
    p.add_argument("player", help="player id")
    p.add_argument("name", choices=["screenshot", "sync", "reload", "display-off", "display-on"])
    p.add_argument("--key", type=Path, help="publisher private key (default: publish.key)")
    p.add_argument("--expires", default="5m", help="lifetime, e.g. 90s, 5m (default 5m)")
    p.add_argument("--mqtt", metavar="URL", help="broker URL (default: the config's mqtt.url)")

    sub.add_parser("collect", help="keep what the screens report in the office database")

    p = sub.add_parser("report", help="proof-of-play, uptime and fleet reports (office)")
    kinds = p.add_subparsers(dest="report", metavar="REPORT", required=True)
    for name, help_text in (
        ("plays", "plays per day, screen and item: count, seconds shown, completed share"),
        ("uptime", "seconds online per screen and day"),
    ):
        q = kinds.add_parser(name, parents=[common], help=help_text)
        q.add_argument("--from", dest="first", type=_date, required=True, help="first day")
        q.add_argument("--to", dest="last", type=_date, required=True, help="last day (included)")
        q.add_argument("--group", help="only this screen group")
        q.add_argument("--tz", default="UTC", help="time zone of the days, e.g. Asia/Jakarta")
        q.add_argument("--csv", action="store_true", help="CSV for a spreadsheet")
    q = kinds.add_parser("screenshot", parents=[common], help="a screen's latest screenshot")
    q.add_argument("player", help="player id")
    q.add_argument("--out", type=Path, required=True, help="JPEG file to write")
    q = kinds.add_parser("fleet", parents=[common], help="every screen now: online, how current")
    q.add_argument("--group", help="only this screen group")
    q.add_argument("--csv", action="store_true", help="CSV for a spreadsheet")

    p = sub.add_parser("screenshot", help="save the running player's current frame as PNG")
    p.add_argument("out", type=Path, help="PNG file to write")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to wait")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # keep the journal to our lines
    args.config_path = config_path(args)
    module_name, func_name = HANDLERS[args.command]
    handler = getattr(importlib.import_module(module_name), func_name)
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head` and the like: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
