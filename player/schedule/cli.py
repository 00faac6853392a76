"""`videotron schedule`: what a screen will show from a given moment on, and why."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from player.config.loader import ConfigError, load_config
from player.config.model import Config
from player.schedule import campaigns
from player.schedule.listing import campaign_summary, condensed, merged, rows, table
from player.schedule.plan import Scheduler, clock_is_trusted, hours_calendar
from player.wire.manifest import MAX_YEAR, MIN_YEAR, Manifest, ManifestError
from player.wire.parse import parse

MAX_HOURS = 24 * 31  # a month of 10-second items is already ~270,000 rows
_STORED = ("active.json", "previous.json")  # what the sync loop keeps under manifests/


class UsageError(Exception):
    """A command-line value that cannot be used; the message says which and how to fix it."""


def parse_at(text: str | None, tz: ZoneInfo, now: dt.datetime) -> dt.datetime:
    """--at as an aware datetime: naive means wall-clock time in the player's zone."""
    if not text:
        return now.astimezone(tz)
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"--at {text!r} is not an ISO date-time; write e.g. 2024-06-07T20:00 "
            f"(player time, {tz.key}) or 2024-06-07T20:00+07:00"
        ) from None
    if not MIN_YEAR <= value.year <= MAX_YEAR:  # the years a manifest can speak of
        raise UsageError(f"--at {text!r}: the year must be from {MIN_YEAR} to {MAX_YEAR}")
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def load_manifest(path: Path | None, cache_dir: Path) -> tuple[Manifest, Path]:
    """--manifest, else the active manifest in the cache (previous.json if active is damaged)."""
    candidates = [path] if path is not None else [cache_dir / "manifests" / n for n in _STORED]
    problems = []
    for candidate in candidates:
        try:
            return parse(candidate.read_bytes()), candidate
        except FileNotFoundError:
            problems.append(f"{candidate}: not found")
        except OSError as exc:
            problems.append(f"{candidate}: cannot read ({exc.strerror or exc})")
        except ManifestError as exc:
            problems.append(f"{candidate}: {exc}")
    hint = (
        "check the path given with --manifest"
        if path is not None
        else "run `videotron sync --once` first, or pass --manifest PATH"
    )
    raise UsageError("no usable manifest: " + "; ".join(problems) + f". {hint}")


def cmd_schedule(args: argparse.Namespace) -> int:
    """Print what plays from --at (default now) for --hours, with the reason: one line per
    run of the same loop, or item by item with --every-item."""
    try:
        if args.manifest and not args.config_path.exists() and not getattr(args, "config", None):
            # The central side asks about a published manifest without a player config.
            print(
                f"no player config at {args.config_path}: using the defaults (timezone "
                f"{Config().player.timezone}, screen always on); --config names another",
                file=sys.stderr,
            )
            config = Config()
        else:
            config = load_config(args.config_path)
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        print(f"fix the config, check it with `videotron check-config {args.config_path}`",
              file=sys.stderr)  # fmt: skip
        return 1
    tz = ZoneInfo(config.player.timezone)
    # At the office, with no player config, a campaign meant for some screens is listed too.
    screen = config.player.id if args.config_path.exists() else None
    try:
        if not 0 < args.hours <= MAX_HOURS:
            raise UsageError(f"--hours {args.hours:g} must be more than 0 and at most {MAX_HOURS}")
        start = parse_at(args.at, tz, dt.datetime.now(dt.UTC))
        manifest, source = load_manifest(args.manifest, config.cache.dir)
    except UsageError as exc:
        print(f"videotron schedule: {exc}", file=sys.stderr)
        return 2
    until = start + dt.timedelta(hours=args.hours)
    # A time asked for explicitly is taken as true; "now" is judged the way the player would.
    trusted = True if args.at else None
    aligned = config.schedule.aligned
    hours = config.operating_hours
    print(f"manifest: {source} (group {manifest.group}, sequence {manifest.sequence}, "
          f"published {manifest.published_at.astimezone(tz):%Y-%m-%d %H:%M %Z})")  # fmt: skip
    print(
        f"player time: {tz.key}; operating hours: "
        f"{'always on' if hours.always_on else 'from the config'}; "
        f"aligned: {'yes' if aligned else 'no'}; live alerts are not shown"
    )
    if args.at is None and not clock_is_trusted(manifest, start):
        print("note: this machine's clock is before the manifest's publication: not trusted yet")
    print(f"from {start.astimezone(tz):%a %Y-%m-%d %H:%M:%S %Z} for {args.hours:g} h:\n")
    scheduler = Scheduler(manifest, tz, screen=screen)
    planned = scheduler.upcoming(start, until, hours=hours, aligned=aligned, clock_trusted=trusted)
    slots = list(merged(planned))
    if getattr(args, "every_item", False):
        print(table(rows(slots, tz)))
    else:
        print(table(condensed(slots, tz), what="items"))
        print("\n(runs of the same loop folded into one line; --every-item lists each play)")
    if scheduler.campaigns:
        first, last = start.astimezone(tz).date(), until.astimezone(tz).date()
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        print("\ncampaigns: plays planned per day against the goal, spread evenly through the")
        print("dayparts (each play's line above says when it fell due and why):\n")
        print(campaign_summary(scheduler, slots, hours, days))
        problems = campaigns.check(
            manifest, scheduler.clock, first, hours=hours_calendar(hours), screen=screen
        )
        for problem in problems:  # with this screen's hours: what the office could not know
            print(f"warning: campaign goal cannot be met: {problem.message}")
    return 0
