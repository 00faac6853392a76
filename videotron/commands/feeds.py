"""`videotron feeds`: fetch a playlist's ticker feeds at the office, list, approve or reject."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

SUMMARY = "fetch a playlist's ticker feeds at the office; list, approve or reject headlines"
DETAILS = (
    "Fetches every ticker feed the playlist YAML names by url:, keeps the headlines its\n"
    "rules let through in headlines.json beside the YAML (approved at once for a feed with\n"
    "auto_approve: true, else queued) and lists them. Approved headlines reach the screens,\n"
    "signed, with the next `videotron publish`."
)
EXIT_NOTE = "0 done; 1 a feed, the YAML or the queue has a problem (printed); 2 bad options"
CONFIG = None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("playlist", type=Path, metavar="PLAYLIST", help="authoring YAML")
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--approve", nargs="+", metavar="ID", help="approve these queued headlines (no fetch)"
    )
    action.add_argument(
        "--reject", nargs="+", metavar="ID", help="reject these headlines: never shown (no fetch)"
    )
    action.add_argument("--list", action="store_true", help="only list the queue (no fetch)")
    parser.add_argument("--approver", metavar="NAME", help="who approves or rejects")


def run(args: argparse.Namespace) -> int:
    from central import feeds
    from central.publish import PublishError, authored_feeds

    queue_path = args.playlist.parent / feeds.HEADLINES_FILE
    now = dt.datetime.now(dt.UTC)
    failed = False
    try:
        if args.approve or args.reject:
            if not args.approver:
                print("error: give --approver NAME: who approves or rejects", file=sys.stderr)
                return 2
            decide = feeds.approve_headlines if args.approve else feeds.reject_headlines
            queue = decide(
                feeds.load_queue(queue_path), args.approve or args.reject, args.approver, now
            )
            feeds.save_queue(queue_path, queue)
        elif args.list:
            queue = feeds.load_queue(queue_path)
        else:
            queue, errors = feeds.refresh(queue_path, authored_feeds(args.playlist), now)
            for error in errors.values():  # each names its feed's URL
                print(f"error: {error} (its headlines are kept as they were)", file=sys.stderr)
            failed = bool(errors)
    except (PublishError, feeds.FeedError) as exc:
        print(f"error: {exc}".replace("\n", "\nerror: "), file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot write {queue_path}: {exc}", file=sys.stderr)
        return 1
    for headline in queue:
        who = f" by {headline.get('approver')}" if headline.get("approver") else ""
        print(f"{headline.get('id')}  {headline.get('state')}{who}  {headline.get('text')}")
    counts = {state: sum(h.get("state") == state for h in queue) for state in feeds.STATES}
    print(
        f"{queue_path}: {counts['approved']} approved, {counts['queued']} queued, "
        f"{counts['rejected']} rejected; publish to put the approved ones on the screens",
        file=sys.stderr,
    )
    return 1 if failed else 0
