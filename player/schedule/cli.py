"""`videotron schedule`: what a screen will show from a given moment on, and why."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from player.config.loader import ConfigError, load_config
from player.config.model import Config
from player.schedule.plan import Scheduler, Slot, clock_is_trusted
from player.wire.manifest import MAX_YEAR, MIN_YEAR, Manifest, ManifestError
from player.wire.parse import parse

MAX_HOURS = 24 * 31  # a month of 10-second items is already ~270,000 rows
_STORED = ("active.json", "previous.json")  # what the sync loop keeps under manifests/
# The part of a slot's reason that names the item; what is left names the rule.
_ITEM_IN_REASON = re.compile(r" item \d+/\d+ '[^']*'( \([^)]*\))?")
MAX_NAMED_ITEMS = 6


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


def merged(slots: Iterable[Slot]) -> Iterator[Slot]:
    """Joins the pieces of one showing (re-checked at a boundary that changed nothing)."""
    pending: Slot | None = None
    for slot in slots:
        if pending is not None and _same_showing(pending, slot):
            pending = Slot(
                pending.kind,
                pending.start,
                slot.end,
                item=slot.item,
                alert=slot.alert,
                playlist=slot.playlist,
                index=slot.index,
                reason=slot.reason,
            )
            continue
        if pending is not None:
            yield pending
        pending = slot
    if pending is not None:
        yield pending


def _same_showing(a: Slot, b: Slot) -> bool:
    return (
        a.kind == b.kind
        and a.start == b.start
        and a.playlist == b.playlist
        and a.index == b.index
        and (a.item.id if a.item else None) == (b.item.id if b.item else None)
    )


def format_duration(seconds: float) -> str:
    seconds = round(seconds, 1)
    if seconds < 60:
        return f"{seconds:g}s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m" + (f"{secs:02d}s" if secs else "")
    return f"{minutes}m{secs:02d}s"


def rows(slots: Iterable[Slot], tz: ZoneInfo) -> list[tuple[str, ...]]:
    out = []
    for slot in slots:
        start, end = slot.start.astimezone(tz), slot.end.astimezone(tz)
        end_text = f"{end:%H:%M:%S}" if end.date() == start.date() else f"{end:%a %m-%d %H:%M:%S}"
        what = "-"
        if slot.item is not None:
            what = f"{slot.item.id} ({slot.item.type})"
        elif slot.alert is not None:
            what = f"{slot.alert.id} ({slot.alert.level})"
        out.append(
            (
                f"{start:%a %Y-%m-%d %H:%M:%S}",
                end_text,
                slot.kind,
                slot.playlist or "-",
                what,
                format_duration(slot.seconds),
                slot.reason,
            )
        )
    return out


def _rule(slot: Slot) -> str:
    return _ITEM_IN_REASON.sub("", slot.reason)


def condensed(slots: Iterable[Slot], tz: ZoneInfo) -> list[tuple[str, ...]]:
    """One row per run of the same loop: a new row when the kind, playlist, alert or rule
    changes, so hours of 5-second items read as a handful of lines."""
    runs: list[list[Slot]] = []
    for slot in slots:
        key = (slot.kind, slot.playlist, slot.alert.id if slot.alert else None, _rule(slot))
        last = runs[-1][-1] if runs else None
        same = last is not None and key == (
            last.kind, last.playlist, last.alert.id if last.alert else None, _rule(last)
        )  # fmt: skip
        if same:
            runs[-1].append(slot)
        else:
            runs.append([slot])
    out = []
    for run in runs:
        first, last = run[0], run[-1]
        start, end = first.start.astimezone(tz), last.end.astimezone(tz)
        end_text = f"{end:%H:%M:%S}" if end.date() == start.date() else f"{end:%a %m-%d %H:%M:%S}"
        items = list(dict.fromkeys(s.item.id for s in run if s.item is not None))
        if items:
            named = ", ".join(items[:MAX_NAMED_ITEMS])
            if len(items) > MAX_NAMED_ITEMS:
                named += f", … ({len(items) - MAX_NAMED_ITEMS} more)"
            plays = f"{len(run)} plays" if len(run) > 1 else "1 play"
            what = f"{plays} of {named}"
        elif first.alert is not None:
            what = f"{first.alert.id} ({first.alert.level})"
        else:
            what = "-"
        seconds = (last.end - first.start).total_seconds()
        out.append(
            (
                f"{start:%a %Y-%m-%d %H:%M:%S}",
                end_text,
                first.kind,
                first.playlist or "-",
                what,
                format_duration(seconds),
                _rule(first),
            )
        )
    return out


def table(lines: list[tuple[str, ...]], what: str = "item") -> str:
    header = ("start", "end", "kind", "playlist", what, "length", "why")
    widths = [max(len(h), *(len(r[i]) for r in lines)) for i, h in enumerate(header)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths[:-1]) + "  {}"
    return "\n".join(fmt.format(*r) for r in [header, *lines])


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
          f"published {manifest.published_at:%Y-%m-%d %H:%M %z})")  # fmt: skip
    print(
        f"player time: {tz.key}; operating hours: "
        f"{'always on' if hours.always_on else 'from the config'}; "
        f"aligned: {'yes' if aligned else 'no'}; live alerts are not shown"
    )
    if args.at is None and not clock_is_trusted(manifest, start):
        print("note: this machine's clock is before the manifest's publication: not trusted yet")
    print(f"from {start:%a %Y-%m-%d %H:%M:%S %Z} for {args.hours:g} h:\n")
    slots = Scheduler(manifest, tz).upcoming(
        start, until, hours=hours, aligned=aligned, clock_trusted=trusted
    )
    if getattr(args, "every_item", False):
        print(table(rows(merged(slots), tz)))
    else:
        print(table(condensed(merged(slots), tz), what="items"))
        print("\n(runs of the same loop folded into one line; --every-item lists each play)")
    return 0
