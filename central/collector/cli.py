"""`videotron collect` (the collector service) and `videotron report` (plays, on screen, fleet)."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import SQLAlchemyError

from central.config import CentralConfig, CentralConfigError, load_central_config
from player.wire.isotime import format_utc

log = logging.getLogger(__name__)

UPTIME_COLUMNS = ("day", "player", "online_seconds", "share")
# `report onscreen` on a terminal: the CSV's columns a reader scans (the CSV has them all).
ONSCREEN_COLUMNS = (
    "screen", "start", "end", "seconds", "kind", "item", "level", "headline", "pages_shown",
)  # fmt: skip
BRIGHTNESS_COLUMNS = ("hour", "level", "lowest", "highest", "recorded", "spans")
FLEET_COLUMNS = (
    "player", "group", "state", "since", "item", "manifest_sequence", "latest_sequence",
    "last_sync", "cache_used", "healthy", "errors_24h", "dropped_plays", "version",
)  # fmt: skip


def _config(args: argparse.Namespace) -> CentralConfig | None:
    try:
        return load_central_config(Path(args.config_path))
    except CentralConfigError as exc:
        print(f"videotron {args.command}: {exc}", file=sys.stderr)
        return None


def cmd_collect(args: argparse.Namespace) -> int:
    """Run the collector until SIGTERM/SIGINT."""
    from central.collector.ingest import Collector
    from central.db import rollup
    from central.db.database import display, open_engine, upgrade
    from central.signals import stop_on_signals
    from player.wire.sdnotify import Notifier

    logging.basicConfig(
        level=(getattr(args, "log_level", None) or "INFO").upper(),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # we log the migration ourselves
    config = _config(args)
    if config is None:
        return 2
    url = config.collector.database.reveal()
    notifier = Notifier()
    try:
        engine = open_engine(url)
        upgrade(engine)
        with engine.begin() as connection:  # the report's days, in the office's zone
            rollup.keep_days_in(connection, ZoneInfo(config.console.timezone))
    except (SQLAlchemyError, OSError) as exc:
        log.error(
            "cannot open or migrate the database %s: %s; check collector.database in %s, "
            "that the server runs and the folder is writable",
            display(url),
            str(exc).strip().splitlines()[0],
            config.path,
        )
        return 1
    people, watch = _screen_watch(config, engine)
    try:
        collector = Collector(config, engine, notifier, None if watch is None else watch.run)
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    stop = stop_on_signals()
    log.info("collector storing into %s", display(url))
    try:
        collector.run(stop)
    finally:
        if people is not None:
            people.close()
        engine.dispose()
        notifier.close()
    return 0


def _screen_watch(config: CentralConfig, engine):
    """The notifier and the screen watch when central.yaml names notification targets."""
    from central import publishes
    from central.notifications.delivery import Notifier, audit_writer
    from central.notifications.events import SCREEN_KINDS
    from central.notifications.watch import ScreenWatch, utcnow

    settings = config.notifications
    if not any(set(t.events) & set(SCREEN_KINDS) for t in settings.targets):
        return None, None
    people = Notifier(settings, audit_writer(engine, utcnow, actor="collector"))
    watch = ScreenWatch(engine, people, settings.screens,
                        lambda: publishes.latest_good_sequences(config),
                        ZoneInfo(config.console.timezone))  # fmt: skip
    log.info("screen watch: telling %d notification targets of screens in trouble",
             len(settings.targets))  # fmt: skip
    return people, watch


def cmd_report(args: argparse.Namespace) -> int:
    from central import publishes
    from central.db import brightness, csvfile, fleet, onscreen, queries
    from central.db.database import open_engine

    config = _config(args)
    if config is None:
        return 2
    zone = getattr(args, "tz", "UTC")
    if zone is None:  # `report onscreen`, `brightness`: the office's own zone unless told
        zone = config.console.timezone
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        print(f"videotron report: unknown time zone {zone!r}", file=sys.stderr)
        return 2
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    form = csvfile.EXCEL_ID if getattr(args, "csv_excel_id", False) else csvfile.PLAIN
    as_csv = getattr(args, "csv", False) or form is csvfile.EXCEL_ID
    url = config.collector.database.reveal()
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            if args.report == "plays":
                rows = queries.plays_per_item(
                    connection, args.first, args.last, tz=tz, group=args.group
                )
                if as_csv:  # the console's download, byte for byte
                    sys.stdout.buffer.write(csvfile.plays_csv(rows, form))
                    sys.stdout.flush()
                    return 0
                rows = [{**row, "screen": row["player"]} for row in rows]
                columns = csvfile.PLAYS_COLUMNS
            elif args.report == "onscreen":
                start, end = onscreen.local_window(args.day, args.start, args.end, tz)
                rows = onscreen.on_screen(
                    connection, start, end, tz=tz, group=args.group, player=args.screen
                )
                if as_csv:  # the console's download, byte for byte
                    sys.stdout.buffer.write(csvfile.onscreen_csv(rows, form))
                    sys.stdout.flush()
                    return 0
                columns = ONSCREEN_COLUMNS
            elif args.report == "uptime":
                rows = queries.uptime_per_day(
                    connection, args.first, args.last, tz=tz, now=now, group=args.group
                )
                columns = UPTIME_COLUMNS
            elif args.report == "brightness":
                rows = brightness.brightness_per_hour(connection, args.screen, args.day, tz=tz)
                columns = BRIGHTNESS_COLUMNS
            elif args.report == "screenshot":
                return _save_screenshot(queries.latest_screenshot(connection, args.player), args)
            else:
                # The console's fleet rule: a screen quiet too long is "not reporting".
                summary = fleet.fleet_summary(
                    connection,
                    now=now,
                    latest_sequences=publishes.latest_good_sequences(config),
                    group=args.group,
                )
                rows = [{**row, "since": row["state_since"]} for row in summary["screens"]]
                columns = FLEET_COLUMNS
    except ValueError as exc:
        print(f"videotron report: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        return unreadable_database(url, exc)
    finally:
        engine.dispose()
    if as_csv:
        sys.stdout.buffer.write(csvfile.table_csv(columns, rows, form))
        sys.stdout.flush()
        return 0
    print_table(rows, columns)
    return 0


def _save_screenshot(row, args: argparse.Namespace) -> int:
    if row is None:
        print(
            f"videotron report: no screenshot of {args.player!r} yet "
            f"(ask for one: videotron command {args.player} screenshot)",
            file=sys.stderr,
        )
        return 1
    args.out.write_bytes(row.jpeg)
    print(f"{args.out}: {args.player} at {_cell(row.taken_at)}, showing {row.item or '-'}")
    return 0


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return format_utc(value.replace(tzinfo=dt.UTC))  # the database keeps naive UTC
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def unreadable_database(url, exc: SQLAlchemyError) -> int:
    """Say which database a report could not read, and why; the exit code for it."""
    from central.db.database import display

    first = str(exc).strip().splitlines()[0]
    print(
        f"videotron report: cannot read {display(url)}: {first} "
        "(has `videotron collect` run once to create it?)",
        file=sys.stderr,
    )
    return 1


def print_table(rows: list[dict], columns: tuple[str, ...]) -> None:
    table = [list(columns)] + [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )
    if not rows:
        print("(nothing in this range)")
