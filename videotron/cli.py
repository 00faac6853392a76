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
from player.sync.failure import exit_notes as sync_exit_notes

DEFAULT_CONFIG = Path("/etc/videotron/player.yaml")
DEFAULT_CENTRAL_CONFIG = Path("/etc/videotron/central.yaml")
OFFICE_COMMANDS = frozenset(
    {"publish", "keygen", "notify", "alert", "command", "collect", "report", "cap-watch", "console"}
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# the [office] extra
OFFICE_PACKAGES = frozenset(
    {
        "sqlalchemy",
        "alembic",
        "psycopg",
        "defusedxml",
        "xmlschema",
        "elementpath",
        "shapely",
        "starlette",
        "jinja2",
        "uvicorn",
        "argon2",
        "multipart",
    }
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
        "cap-watch": ("central.cap.cli", "cmd_cap_watch"),
        "report": ("central.collector.cli", "cmd_report"),
        "console": ("central.console.cli", "cmd_console"),
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


# What each subcommand's exit status means, printed at the end of its --help.
EXIT_NOTES = MappingProxyType(
    {
        "run": "0 stopped cleanly; 1 could not start (no display, unusable config or cache)",
        "demo": "0 stopped cleanly; 1 could not start",
        "check-config": "0 valid; 1 errors (each printed as FILE:LINE:COL: key: message)",
        "status": "0 running and healthy; 1 running but unhealthy; 3 not running",
        "sync": sync_exit_notes(),  # one code per failure kind, from the kinds themselves
        "schedule": "0 printed; 1 config errors; 2 bad option or no usable manifest",
        "publish": "0 published; 1 refused (every problem is printed); 2 bad options",
        "keygen": "0 written; 1 the key exists (use --force) or cannot be written",
        "notify": "0 the broker acknowledged; 1 bad manifest, config or broker",
        "alert": "0 the broker acknowledged; 1 bad text, options, key, config or broker",
        "screenshot": "0 written; 1 failed or timed out; 3 the player is not running",
        "command": "0 the broker acknowledged; 1 bad key, config or broker",
        "collect": "0 stopped cleanly; 1 the database cannot be opened; 2 bad central.yaml",
        "report": "0 printed; 1 no database or no screenshot yet; 2 bad central.yaml or option",
        "cap-watch": "0 stopped cleanly (or --status printed); 1 no status file to print; "
        "2 bad central.yaml, key or missing cap settings",
        "console": "0 stopped or account saved; 1 the database cannot be opened; "
        "2 bad central.yaml, name, role or password",
    }
)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Real defaults shown after each option; descriptions and epilogs kept as written."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if default in (None, False, argparse.SUPPRESS) or "%(default)" in text:
            return text
        return f"{text} (default: %(default)s)"


def _add_render_options(parser: argparse.ArgumentParser, shot_every: float | None) -> None:
    parser.add_argument(
        "--headless", action="store_true", help="render offscreen (SDL dummy driver)"
    )
    parser.add_argument("--screenshot-dir", type=Path, metavar="DIR", help="save PNGs into DIR")
    parser.add_argument(
        "--screenshot-every",
        type=float,
        metavar="SECONDS",
        default=shot_every,
        help="seconds between screenshots in --screenshot-dir"
        + ("" if shot_every else " (default: 3 offscreen, 5 in a window)"),
    )
    parser.add_argument(
        "--exit-after",
        type=float,
        metavar="SECONDS",
        help="stop after SECONDS (0: run until stopped)",
    )
    parser.add_argument(
        "--frame-log",
        type=Path,
        metavar="FILE",
        help="append one JSON line per presented frame to FILE (diagnostics)",
    )


def _log_level(text: str) -> str:
    name = text.strip().upper()
    if name == "WARN":
        name = "WARNING"
    if name not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(
            f"unknown log level {text!r}; use one of {', '.join(LOG_LEVELS)}"
        )
    return name


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: use a date like 2024-05-31") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="videotron",
        description="Signage player for LED videotron billboards, and the office tools that\n"
        "feed it. `videotron COMMAND --help` explains each command.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"videotron {__version__}")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="config file: the player's (default $VIDEOTRON_CONFIG or "
        "/etc/videotron/player.yaml), or central.yaml for the office commands (default "
        "$VIDEOTRON_CENTRAL_CONFIG or /etc/videotron/central.yaml)",
    )
    parser.add_argument(
        "--log-level", metavar="LEVEL", type=_log_level, help="override log.level from the config"
    )
    # --config is accepted after the subcommand too (`videotron notify --config F ...`);
    # SUPPRESS keeps a value given before the subcommand when none is given after it.
    player_common = argparse.ArgumentParser(add_help=False)
    player_common.add_argument(
        "--config",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="player config (default $VIDEOTRON_CONFIG or /etc/videotron/player.yaml)",
    )
    office_common = argparse.ArgumentParser(add_help=False)
    office_common.add_argument(
        "--config",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="central.yaml (default $VIDEOTRON_CENTRAL_CONFIG or /etc/videotron/central.yaml)",
    )
    for common in (player_common, office_common):
        common.add_argument(
            "--log-level",
            metavar="LEVEL",
            type=_log_level,
            default=argparse.SUPPRESS,
            help=f"one of {', '.join(LOG_LEVELS)}",
        )
    no_config = argparse.ArgumentParser(add_help=False)
    no_config.add_argument(
        "--log-level", metavar="LEVEL", type=_log_level, default=argparse.SUPPRESS,
        help=argparse.SUPPRESS,
    )  # fmt: skip
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, summary: str, details: str, common: argparse.ArgumentParser):
        return sub.add_parser(
            name,
            parents=[common],
            help=summary,
            description=f"{summary[0].upper()}{summary[1:]}.\n\n{details}",
            epilog=f"exit status: {EXIT_NOTES[name]}",
            formatter_class=HelpFormatter,
        )

    p = add(
        "run",
        "play fullscreen from the cache, syncing in the background",
        "What the systemd service runs. Plays the last good manifest at once, syncs, listens\n"
        "for pushes and alerts, reloads the config when it is saved.",
        player_common,
    )
    _add_render_options(p, shot_every=5.0)

    p = add(
        "demo",
        "make sample content, publish it signed and play it",
        "Everything in one folder (--out). With no display it renders offscreen for 60 s and\n"
        "saves a screenshot every 3 s; Ctrl-C stops it. It writes its own player config\n"
        "(--out/player.yaml), so it takes no --config. With the office parts installed\n"
        "(pip install -e '.[office]', apt install mosquitto) it also runs a broker, the\n"
        "collector and the console, and prints the console's address and a login.",
        no_config,
    )
    _add_render_options(p, shot_every=None)
    p.add_argument("--out", type=Path, metavar="DIR", default=Path("demo-out"), help="work folder")
    p.add_argument(
        "--console-port", type=int, metavar="PORT", help="the office console's port (default: free)"
    )
    p.add_argument(
        "--no-console", action="store_true", help="the player alone: no broker, collector, console"
    )

    p = add(
        "check-config",
        "validate a config file and show the effective values",
        "Prints every problem as FILE:LINE:COL: key: message, or a summary of the settings\n"
        "in force (secrets masked).",
        player_common,
    )
    p.add_argument("path", nargs="?", type=Path, metavar="FILE", help="default: the --config one")

    p = add(
        "status",
        "show what the running player is doing and what is wrong",
        "Reads the running player's status file in runtime.dir (found even when the config\n"
        "file was refused).",
        player_common,
    )
    p.add_argument("--json", action="store_true", help="print the raw status JSON")

    p = add(
        "sync",
        "fetch the manifest and media into the cache",
        "Refused while a player runs on the same cache: it syncs by itself.",
        player_common,
    )
    p.add_argument(
        "--once",
        action="store_true",
        help="one full sync, then exit; without it, sync until Ctrl-C",
    )

    p = add(
        "schedule",
        "print what will play from a moment on, and why",
        "Uses the same scheduler as the player, on the active manifest or --manifest.",
        player_common,
    )
    p.add_argument("--at", metavar="DATETIME", help="ISO start time, player time (default: now)")
    p.add_argument("--hours", type=float, default=2.0, help="how far ahead to list")
    p.add_argument("--manifest", type=Path, metavar="FILE", help="manifest.json to use instead")
    p.add_argument(
        "--every-item",
        action="store_true",
        help="list every play (default: one line per run of the same loop)",
    )

    p = add(
        "publish",
        "build a signed manifest and media tree from a playlist",
        "Writes manifest.json, manifest.json.sig and media/<sha256> into --out, ready for any\n"
        "static server or a USB stick.",
        no_config,
    )
    p.add_argument("playlist", type=Path, metavar="PLAYLIST", help="authoring YAML")
    p.add_argument("--out", type=Path, metavar="DIR", required=True, help="folder to publish into")
    signing = p.add_mutually_exclusive_group(required=True)
    signing.add_argument("--key", type=Path, metavar="KEYFILE", help="from `videotron keygen`")
    signing.add_argument(
        "--unsigned", action="store_true", help="no signature (demos; players need allow_unsigned)"
    )

    p = add(
        "keygen",
        "create an Ed25519 publisher key pair",
        "Writes KEYFILE (secret, mode 600) and KEYFILE.pub, and prints the public_key line for\n"
        "player.yaml.",
        no_config,
    )
    p.add_argument("keyfile", type=Path, metavar="KEYFILE", help="private key file to write")
    p.add_argument("--force", action="store_true", help="overwrite an existing key")

    p = add(
        "notify",
        "announce a published manifest to players over MQTT",
        "Players of the manifest's group sync within a second instead of at their next poll.",
        office_common,
    )
    p.add_argument("--manifest", type=Path, metavar="FILE", required=True, help="manifest.json")
    p.add_argument("--mqtt", metavar="URL", help="broker URL (default: mqtt.url in central.yaml)")

    p = add(
        "alert",
        "put a signed alert on every screen of a group, or take one off",
        "Retained on the broker until it expires, so screens that come online late show it.\n"
        "Sending an id again with new text or level replaces it on screen; --cancel ID takes\n"
        "it off and keeps older copies of it off.",
        office_common,
    )
    p.add_argument("text", metavar="TEXT", nargs="?", help="alert text (none with --cancel)")
    p.add_argument("--group", required=True, help="screen group")
    p.add_argument(
        "--expires",
        help="lifetime: 90s, 30m, 2h, 1d (default: 30m; a cancel: 1d, at least the alert's)",
    )
    p.add_argument("--key", type=Path, metavar="KEYFILE", required=True, help="publisher key")
    p.add_argument(
        "--level",
        default="emergency",
        choices=["info", "warning", "emergency"],
        help="how the alert looks on screen",
    )
    p.add_argument("--id", help="alert id (default: random); sending an id again replaces it")
    p.add_argument("--cancel", metavar="ID", help="take alert ID off the screens (and keep it off)")
    p.add_argument("--mqtt", metavar="URL", help="broker URL (default: mqtt.url in central.yaml)")

    p = add(
        "command",
        "send a signed command to one player",
        "The player checks the signature and the expiry, then acts: a screenshot lands in the\n"
        "office database (videotron report screenshot), sync and reload run at once.",
        office_common,
    )
    p.add_argument("player", metavar="PLAYER", help="player id")
    p.add_argument(
        "name",
        metavar="COMMAND",
        choices=["screenshot", "sync", "reload", "display-off", "display-on"],
        help="screenshot, sync, reload, display-off or display-on",
    )
    p.add_argument(
        "--key", type=Path, metavar="KEYFILE", help="default: publish.key in central.yaml"
    )
    p.add_argument("--expires", default="5m", help="lifetime: 90s, 5m, 1h")
    p.add_argument("--mqtt", metavar="URL", help="broker URL (default: mqtt.url in central.yaml)")

    add(
        "collect",
        "keep what the screens report in the office database",
        "Status history, proof of play (acknowledged to each player once committed) and\n"
        "screenshots, into collector.database from central.yaml. What the systemd unit\n"
        "videotron-collector runs.",
        office_common,
    )

    p = add(
        "cap-watch",
        "turn official CAP 1.2 warnings (BMKG) into signed alerts on the screens",
        "Polls the cap.sources of central.yaml (a CAP file, an RSS/Atom index of CAP files,\n"
        "or a folder) and sends each warning to the groups whose cap.groups place lies in\n"
        "its area. What the systemd unit videotron-cap runs; see docs/ALERTS.md.",
        office_common,
    )
    p.add_argument(
        "--status", action="store_true", help="print the running watcher's status and exit"
    )

    p = add(
        "report",
        "proof-of-play, uptime and fleet reports from the office database",
        "The report a comms office hands to its partners: plays and seconds on screen per\n"
        "day, screen and item (`report plays --from --to --csv`).",
        office_common,
    )
    kinds = p.add_subparsers(dest="report", metavar="REPORT", required=True)
    for name, help_text in (
        ("plays", "plays per day, screen and item: count, seconds shown, completed share"),
        ("uptime", "seconds online per screen and day"),
    ):
        q = kinds.add_parser(name, parents=[office_common], help=help_text)
        q.add_argument("--from", dest="first", type=_date, required=True, help="first day")
        q.add_argument("--to", dest="last", type=_date, required=True, help="last day (included)")
        q.add_argument("--group", help="only this screen group")
        q.add_argument("--tz", default="UTC", help="time zone of the days, e.g. Asia/Jakarta")
        q.add_argument("--csv", action="store_true", help="CSV for a spreadsheet")
    q = kinds.add_parser("screenshot", parents=[office_common], help="a screen's latest screenshot")
    q.add_argument("player", metavar="PLAYER", help="player id")
    q.add_argument("--out", type=Path, metavar="FILE", required=True, help="JPEG file to write")
    q = kinds.add_parser(
        "fleet", parents=[office_common], help="every screen now: online, how current"
    )
    q.add_argument("--group", help="only this screen group")
    q.add_argument("--csv", action="store_true", help="CSV for a spreadsheet")

    p = add(
        "console",
        "the office web console, or add an account to it",
        "Serves the fleet, proof of play, alerts and content pages behind a login on\n"
        "console.listen:console.port (127.0.0.1:8080; put nginx with TLS in front).\n"
        "`console add-user NAME --role viewer|operator|admin` reads the password from a prompt\n"
        "or from stdin.",
        office_common,
    )
    p.add_argument("--listen", metavar="ADDRESS", help="address (default: console.listen)")
    p.add_argument("--port", type=int, help="port (default: console.port, 8080)")
    actions = p.add_subparsers(dest="console_action", metavar="ACTION")
    q = actions.add_parser("add-user", parents=[office_common], help="create or update an account")
    q.add_argument("name", metavar="NAME", help="user name")
    q.add_argument("--role", required=True, choices=["viewer", "operator", "admin"])

    p = add(
        "screenshot",
        "save the running player's current frame as PNG",
        "Asks the running player over its control socket in runtime.dir.",
        player_common,
    )
    p.add_argument("out", type=Path, metavar="FILE", help="PNG file to write")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to wait")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # keep the journal to our lines
    args.config_path = config_path(args)
    module_name, func_name = HANDLERS[args.command]
    try:
        handler = getattr(importlib.import_module(module_name), func_name)
    except ModuleNotFoundError as exc:
        if exc.name not in OFFICE_PACKAGES:
            raise
        # The screens' install leaves the office's database packages out on purpose.
        print(
            f"videotron {args.command}: the office side's packages are not installed "
            f"(no module {exc.name!r}): pip install 'videotron-player[office]' into this "
            "venv, or install the office side with scripts/install-central.sh",
            file=sys.stderr,
        )
        return 1
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
