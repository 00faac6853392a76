"""`videotron report campaign`: delivery per screen and day, the buyers' export, the PDF, verify."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import SQLAlchemyError

from central.campaigns import export, pdf
from central.campaigns.report import DELIVERY_COLUMNS, UnknownCampaign, campaign_report
from central.config import CentralConfigError, load_central_config
from central.db import csvfile
from central.db.database import open_engine

MISMATCH = 3


def cmd_campaign(args: argparse.Namespace) -> int:
    """Print, export, write or verify one campaign's report; exit codes as `videotron report`."""
    try:
        config = load_central_config(Path(args.config_path))
    except CentralConfigError as exc:
        print(f"videotron report: {exc}", file=sys.stderr)
        return 2
    stamp = None
    if args.verify is not None:
        try:
            stamp = pdf.read_stamp(args.verify.read_bytes())
        except (OSError, ValueError) as exc:
            print(f"videotron report: {args.verify}: {exc}", file=sys.stderr)
            return 2
        args.campaign, args.first, args.last, args.tz = (
            stamp.campaign,
            stamp.first,
            stamp.last,
            stamp.zone,
        )
    missing = [
        flag
        for flag, value in (("--id", args.campaign), ("--from", args.first), ("--to", args.last))
        if value is None
    ]
    if missing:
        print(
            f"videotron report campaign: give {', '.join(missing)} (or --verify FILE)",
            file=sys.stderr,
        )
        return 2
    try:
        tz = ZoneInfo(args.tz or config.console.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        print(f"videotron report: unknown time zone {args.tz!r}", file=sys.stderr)
        return 2
    url = config.collector.database.reveal()
    engine = open_engine(url)
    now = dt.datetime.now(dt.UTC)
    try:
        with engine.connect() as connection:
            report = campaign_report(
                connection, config, args.campaign, args.first, args.last, tz=tz, now=now
            )
            shots = pdf.screenshots(connection, report) if args.pdf is not None else []
    except UnknownCampaign as exc:
        print(f"videotron report: {exc.args[0]}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"videotron report: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        from central.collector.cli import unreadable_database

        return unreadable_database(url, exc)
    finally:
        engine.dispose()
    if stamp is not None:
        if stamp.fingerprint != report.fingerprint:
            print(
                f"{args.verify}: does NOT match the records: the report says "
                f"{stamp.fingerprint}, the {len(report.plays)} plays of the database give "
                f"{report.fingerprint}; the report was altered, or plays of its period "
                "arrived or were dropped since it was made"
            )
            return MISMATCH
        print(
            f"{args.verify}: matches the records ({len(report.plays)} plays of "
            f"'{report.campaign.id}', {report.first} to {report.last}, sha256 "
            f"{report.fingerprint})"
        )
        return 0
    if args.pdf is not None:
        args.pdf.write_bytes(pdf.render(report, config, shots, args.lang))
        print(
            f"{args.pdf}: '{report.campaign.id}' {report.first} to {report.last}, "
            f"{len(report.plays)} plays, sha256 {report.fingerprint}"
        )
        return 0
    if args.export is not None:
        rows = report.export_rows(config)
        data = (
            export.export_csv(rows)
            if args.export == "csv"
            else export.export_json(report.campaign.id, report.first, report.last, rows)
        )
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    rows = report.delivery_rows()
    if args.csv or args.csv_excel_id:
        form = csvfile.EXCEL_ID if args.csv_excel_id else csvfile.PLAIN
        sys.stdout.buffer.write(csvfile.table_csv(DELIVERY_COLUMNS, rows, form))
        sys.stdout.flush()
        return 0
    from central.collector.cli import print_table

    campaign = report.campaign
    print(
        f"campaign '{campaign.id}' of {campaign.partner}, {report.first} to {report.last} "
        f"({report.zone}), {len(report.screens)} screens"
    )
    print_table(rows, DELIVERY_COLUMNS)
    short = [r for r in rows if r["short"]]
    print(
        f"{sum(r['delivered'] for r in rows)} of {sum(r['planned'] for r in rows)} planned "
        f"plays delivered; {len(short)} screen-days short; "
        f"{sum(r['cut_short'] for r in rows)} plays cut short (not delivered); "
        f"sha256 {report.fingerprint}"
    )
    return 0
