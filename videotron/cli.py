"""Command-line entry point: `videotron SUBCOMMAND`, assembled from videotron/commands/."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path
from types import ModuleType

from player import __version__
from videotron.commands import options

DEFAULT_CONFIG = Path("/etc/videotron/player.yaml")
DEFAULT_CENTRAL_CONFIG = Path("/etc/videotron/central.yaml")
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
        "apprise",
    }
)
# Every command, in the order `videotron --help` lists them; each is a module of
# videotron/commands/ (a dash in the name is an underscore in the module's).
COMMANDS = (
    "run", "demo", "check-config", "status", "sync", "schedule", "publish", "feeds", "keygen",
    "notify", "alert", "command", "collect", "cap-watch", "weather", "report", "console",
    "notify-test", "screenshot",
)  # fmt: skip


def command_module(name: str) -> ModuleType:
    """The module of command `name`: its options, exit codes and handler."""
    if name not in COMMANDS:
        raise KeyError(f"no videotron command {name!r}")
    return importlib.import_module(f"videotron.commands.{name.replace('-', '_')}")


def config_path(args: argparse.Namespace) -> Path:
    """--config, else $VIDEOTRON_CONFIG, else /etc/videotron/player.yaml.

    The office-side commands read central.yaml instead ($VIDEOTRON_CENTRAL_CONFIG).
    """
    if getattr(args, "config", None):
        return Path(args.config)
    if command_module(args.command).CONFIG == options.OFFICE:
        env = os.environ.get("VIDEOTRON_CENTRAL_CONFIG")
        return Path(env) if env else DEFAULT_CENTRAL_CONFIG
    env = os.environ.get("VIDEOTRON_CONFIG")
    return Path(env) if env else DEFAULT_CONFIG


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Real defaults shown after each option; descriptions and epilogs kept as written."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if default in (None, False, argparse.SUPPRESS) or "%(default)" in text:
            return text
        return f"{text} (default: %(default)s)"


def named_command(argv: list[str]) -> str | None:
    """The command `argv` names, read past the global options; None when it names none
    or asks for help (`videotron -h run` lists every command)."""
    probe = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    probe.add_argument("-h", "--help", action="store_true")
    probe.add_argument("--config")
    probe.add_argument("--log-level")
    probe.add_argument("command", nargs="?")
    try:
        known, _rest = probe.parse_known_args(argv)
    except argparse.ArgumentError:
        return None
    return None if known.help or known.command not in COMMANDS else known.command


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The `videotron` parser: global options, then one subparser per command module.

    `only`: that command's subparser alone. Importing every command module and building
    every subparser costs a screen starting after a power cut some 20 ms (issue 32); a
    command line naming a command parses the same with its own subparser alone.
    """
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
        "--log-level",
        metavar="LEVEL",
        type=options.log_level,
        help="override log.level from the config",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS if only is None else (only,):
        module = command_module(name)
        command = sub.add_parser(
            name,
            parents=[options.common_options(module.CONFIG)],
            help=module.SUMMARY,
            description=f"{module.SUMMARY[0].upper()}{module.SUMMARY[1:]}.\n\n{module.DETAILS}",
            epilog=f"exit status: {module.EXIT_NOTE}",
            formatter_class=HelpFormatter,
        )
        module.add_arguments(command)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # `videotron --help`, or a command line naming no known command: every command.
    parser = build_parser(named_command(argv))
    args = parser.parse_args(argv)
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # keep the journal to our lines
    args.config_path = config_path(args)
    try:
        return int(command_module(args.command).run(args) or 0)
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
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head` and the like: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
