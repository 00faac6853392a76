"""`videotron console`: the office web console, or add an account to it."""

from __future__ import annotations

import argparse

from videotron.commands import options

SUMMARY = "the office web console, or add an account to it"
DETAILS = (
    "Serves the fleet, proof of play, alerts and content pages behind a login on\n"
    "console.listen:console.port (127.0.0.1:8080; put nginx with TLS in front).\n"
    "`console add-user NAME --role viewer|contributor|approver|operator|admin` reads the\n"
    "password from a prompt or from stdin; `--groups A,B` gives a contributor its groups;\n"
    "`--role partner --partner NAME` makes an account that sees only NAME's campaigns."
)
EXIT_NOTE = (
    "0 stopped or account saved; 1 the database cannot be opened; "
    "2 bad central.yaml, name, role or password"
)
CONFIG = options.OFFICE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--listen", metavar="ADDRESS", help="address (default: console.listen)")
    parser.add_argument("--port", type=int, help="port (default: console.port, 8080)")
    actions = parser.add_subparsers(dest="console_action", metavar="ACTION")
    add_user = actions.add_parser(
        "add-user", parents=[options.common_options(options.OFFICE)],
        help="create or update an account",
    )  # fmt: skip
    add_user.add_argument("name", metavar="NAME", help="user name")
    add_user.add_argument(
        "--role",
        required=True,
        choices=["partner", "viewer", "contributor", "approver", "operator", "admin"],
    )
    add_user.add_argument(
        "--partner", metavar="NAME",
        help="a partner account: the partner whose campaigns it sees, as the campaigns name it",
    )  # fmt: skip
    add_user.add_argument(
        "--groups", metavar="GROUP,...",
        help="a contributor: the groups it may submit content for (comma-separated)",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from central.console.cli import cmd_console

    return cmd_console(args)
