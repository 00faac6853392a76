"""`videotron report`: proof-of-play, uptime and fleet reports from the office database."""

from __future__ import annotations

import argparse
from pathlib import Path

from videotron.commands import options

SUMMARY = "proof-of-play, uptime and fleet reports from the office database"
DETAILS = (
    "The report a comms office hands to its partners: plays and seconds on screen per\n"
    "day, screen and item (`report plays --from --to --csv`); and what each screen\n"
    "showed, plays and alerts, in a window of a day (`report onscreen --day --from --to`);\n"
    "the brightness a screen's wall ran at, hour by hour (`report brightness --screen --day`);\n"
    "a campaign's delivery against its goal, its plays for DOOH buyers and the partner's\n"
    "PDF (`report campaign --id ID --from --to [--export csv|json | --pdf FILE]`), and\n"
    "whether a report PDF still matches the records (`report campaign --verify FILE`)."
)
EXIT_NOTE = (
    "0 printed; 1 no database, no screenshot yet or no such campaign; 2 bad central.yaml or "
    "option; 3 the PDF's fingerprint does not match the records"
)
CONFIG = options.OFFICE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common = options.common_options(options.OFFICE)
    kinds = parser.add_subparsers(dest="report", metavar="REPORT", required=True)
    for name, help_text in (
        ("plays", "plays per day, screen and item: count, seconds shown, completed share"),
        ("uptime", "seconds online per screen and day"),
    ):
        kind = kinds.add_parser(name, parents=[common], help=help_text)
        kind.add_argument("--from", dest="first", type=options.date, required=True,
                          help="first day")  # fmt: skip
        kind.add_argument("--to", dest="last", type=options.date, required=True,
                          help="last day (included)")  # fmt: skip
        kind.add_argument("--group", help="only this screen group")
        kind.add_argument("--tz", default="UTC", help="time zone of the days, e.g. Asia/Jakarta")
        add_csv_options(kind)
    kind = kinds.add_parser(
        "onscreen", parents=[common], help="what each screen showed in a window: plays and alerts"
    )
    kind.add_argument("--day", type=options.date, required=True, help="the day, e.g. 2026-12-07")
    kind.add_argument("--from", dest="start", type=options.clock_time, required=True,
                      help="start of the window, e.g. 14:00")  # fmt: skip
    kind.add_argument("--to", dest="end", type=options.clock_time, required=True,
                      help="end, e.g. 16:00 (at or before --from: the next day)")  # fmt: skip
    kind.add_argument("--group", help="only this screen group")
    kind.add_argument("--screen", help="only this screen (player id)")
    kind.add_argument("--tz", help="time zone of the window (default: console.timezone)")
    add_csv_options(kind)
    kind = kinds.add_parser(
        "brightness", parents=[common], help="the brightness a screen ran at, hour by hour"
    )
    kind.add_argument("--screen", required=True, help="the screen (player id)")
    kind.add_argument("--day", type=options.date, required=True, help="the day, e.g. 2026-12-07")
    kind.add_argument("--tz", help="time zone of the hours (default: console.timezone)")
    add_csv_options(kind)
    kind = kinds.add_parser("screenshot", parents=[common], help="a screen's latest screenshot")
    kind.add_argument("player", metavar="PLAYER", help="player id")
    kind.add_argument("--out", type=Path, metavar="FILE", required=True, help="JPEG file to write")
    kind = kinds.add_parser(
        "campaign",
        parents=[common],
        help="a campaign's plays per screen and day against its goal; export; partner's PDF",
    )
    kind.add_argument("--id", dest="campaign", metavar="ID", help="the campaign's id")
    kind.add_argument("--from", dest="first", type=options.date, help="first day")
    kind.add_argument("--to", dest="last", type=options.date, help="last day (included)")
    kind.add_argument("--tz", help="time zone of the days (default: console.timezone)")
    output = kind.add_mutually_exclusive_group()
    output.add_argument("--csv", action="store_true", help="the delivery table as CSV")
    output.add_argument(
        "--csv-excel-id",
        action="store_true",
        help="the delivery table as CSV for Excel with Indonesian settings",
    )
    output.add_argument(
        "--export",
        choices=("csv", "json"),
        help="every play in the shape DOOH buyers take (OpenOOH venue types)",
    )
    output.add_argument("--pdf", type=Path, metavar="FILE", help="write the partner's PDF report")
    output.add_argument(
        "--verify", type=Path, metavar="FILE", help="check a report PDF's fingerprint"
    )
    kind.add_argument("--lang", choices=("id", "en"), default="id", help="the PDF's language")
    kind = kinds.add_parser("fleet", parents=[common], help="every screen now: online, how current")
    kind.add_argument("--group", help="only this screen group")
    add_csv_options(kind)


def add_csv_options(kind: argparse.ArgumentParser) -> None:
    form = kind.add_mutually_exclusive_group()
    form.add_argument("--csv", action="store_true", help="CSV for scripts (',' and '.')")
    form.add_argument(
        "--csv-excel-id",
        action="store_true",
        help="CSV that Excel with Indonesian regional settings opens in columns (';' and ',')",
    )


def run(args: argparse.Namespace) -> int:
    if args.report == "campaign":
        from central.campaigns.cli import cmd_campaign

        return cmd_campaign(args)
    from central.collector.cli import cmd_report

    return cmd_report(args)
